// Tests for RecLabStore are added by the issue that builds it.
