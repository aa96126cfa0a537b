// The no-op child of the raw Node baselines.
