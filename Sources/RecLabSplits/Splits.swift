// RecLabSplits: train/test splits.
