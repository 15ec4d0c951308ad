public enum RecLabVersion {
    public static let string = "0.1.0"
    // The git commit is provenance the application layer reads (`AppContext.gitCommit`) and hands to
    // engines through `RunContext`.
}
