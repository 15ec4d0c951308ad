// RecLabSynthetic: ground-truth world and log generator.
