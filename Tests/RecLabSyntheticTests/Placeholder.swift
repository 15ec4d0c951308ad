// Tests for RecLabSynthetic are added by the issue that builds it.
