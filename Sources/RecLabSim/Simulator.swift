// RecLabSim: A/B simulation and OPE.
