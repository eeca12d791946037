"""Detection: content to signals, signals to hourly series, series to surges."""
