// Tests for RecLabSim are added by the issue that builds it.
