"""Detection, no HTTP: content is normalised against evasion, analysed for threats,
targets, doxxing, swatting calls and incitement, and scored by models the project ships;
signals become hourly series, and series surges."""
