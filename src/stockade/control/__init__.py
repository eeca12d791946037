"""The control plane: REST API, public notice pages, and the signed snapshot feed."""
