"""The one error a rule can raise, from the lexer to the compiler: a sentence that says
what was wrong and what to do, and where in the expression."""

from __future__ import annotations

# Long lines are shown as a window around the position, so the caret stays on screen.
_WINDOW = 72


class RuleError(ValueError):
    """What is wrong with a rule. `position` is an index into `expression`, or None when
    the problem is the expression as a whole (its length, say)."""

    def __init__(self, message: str, expression: str, position: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.expression = expression
        self.position = position

    def pointer(self) -> str:
        """The line of the expression that holds the position, and a caret under it."""
        if self.position is None:
            return ""
        position = min(max(self.position, 0), len(self.expression))
        start = self.expression.rfind("\n", 0, position) + 1
        end = self.expression.find("\n", position)
        line = self.expression[start : len(self.expression) if end < 0 else end]
        column = position - start
        if len(line) > _WINDOW:
            first = max(0, min(column - _WINDOW // 2, len(line) - _WINDOW))
            shown = line[first : first + _WINDOW]
            prefix = "..." if first > 0 else ""
            suffix = "..." if first + _WINDOW < len(line) else ""
            line = prefix + shown + suffix
            column = column - first + len(prefix)
        # Tabs stay tabs under the line, so the caret lines up in any terminal.
        indent = "".join("\t" if char == "\t" else " " for char in line[:column])
        return f"{line}\n{indent}^"

    def __str__(self) -> str:
        pointer = self.pointer()
        return f"{pointer}\n{self.message}" if pointer else self.message
