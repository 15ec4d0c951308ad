// RecLabImport: MovieLens importers.
