// Tests for ReclabCLI are added by the issue that builds it.
