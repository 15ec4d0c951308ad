import Foundation

/// The type and admissible values of a declared parameter.
public enum ParameterType: Sendable, Equatable {
    case int(ClosedRange<Int>)
    case double(ClosedRange<Double>)
    case bool
    /// One of these strings, in the order shown to users.
    case choice([String])

    /// "integer", "number", "bool" or "choice", for references.
    public var name: String {
        switch self {
        case .int: return "integer"
        case .double: return "number"
        case .bool: return "bool"
        case .choice: return "choice"
        }
    }

    /// The admissible values as text: `1...2000`, `cosine, pearson`, `true, false`.
    public var valuesText: String {
        switch self {
        case .int(let r): return r == Int.min...Int.max ? "any integer" : "\(r.lowerBound)...\(r.upperBound)"
        case .double(let r): return ParamValue.double(r.lowerBound).shortText + "..." + ParamValue.double(r.upperBound).shortText
        case .bool: return "true, false"
        case .choice(let values): return values.joined(separator: ", ")
        }
    }
}

extension ParamValue {
    /// Numbers as people write them in configs (`400`, `0.05`, `1e+09`), for references and help.
    public var shortText: String {
        guard case .double(let d) = self else { return description }
        if d == d.rounded(), abs(d) < 1e6 { return String(Int(d)) }
        return String(format: "%g", d)
    }
}

/// One parameter of a component, declared once: its config name, type, admissible values, default, help,
/// and the field of the typed config that holds it. Validation (`DeclaredParameters.init(_:owner:)`),
/// `reclab strategies` and the strategies doc page are all generated from these declarations, so a default
/// or range cannot be stated twice and drift (the idea of LensKit's typed component configs).
// @unchecked: key paths to stored properties and the closures built by the factories below capture only
// names, defaults, ranges and such key paths, all immutable.
public struct ParameterDeclaration<Config>: @unchecked Sendable {
    public let name: String
    public let type: ParameterType
    /// The value used when the config leaves the parameter out; nil when there is no fixed default
    /// (`defaultText` then says where the value comes from).
    public let defaultValue: ParamValue?
    /// The default as shown in references.
    public let defaultText: String
    public let help: String
    /// The typed config's field holding the value.
    public let keyPath: PartialKeyPath<Config>
    /// Reads and validates the parameter (the default when absent); errors name the key.
    let decode: (Parameters) throws -> any Sendable
    /// The config field's value as a parameter value (nil for an optional field left unset), so checks can
    /// compare a built config with the declaration without knowing its type.
    public let fieldValue: (Config) -> ParamValue?

    init(name: String, type: ParameterType, defaultValue: ParamValue?, defaultText: String? = nil, help: String,
         keyPath: PartialKeyPath<Config>, decode: @escaping (Parameters) throws -> any Sendable,
         fieldValue: @escaping (Config) -> ParamValue?) {
        self.name = name; self.type = type; self.defaultValue = defaultValue
        self.defaultText = defaultText ?? defaultValue?.shortText ?? "none"
        self.help = help; self.keyPath = keyPath; self.decode = decode; self.fieldValue = fieldValue
    }

    /// An integer in `range`.
    public static func int(_ name: String, _ keyPath: KeyPath<Config, Int>, default value: Int,
                           range: ClosedRange<Int>, help: String) -> Self {
        Self(name: name, type: .int(range), defaultValue: .int(value), help: help, keyPath: keyPath,
             decode: { try $0.int(name, default: value, range: range) }, fieldValue: { .int($0[keyPath: keyPath]) })
    }

    /// An integer in `range` with no fixed default: the field is nil when the config leaves it out.
    public static func optionalInt(_ name: String, _ keyPath: KeyPath<Config, Int?>, range: ClosedRange<Int>,
                                   defaultText: String, help: String) -> Self {
        Self(name: name, type: .int(range), defaultValue: nil, defaultText: defaultText, help: help, keyPath: keyPath,
             decode: { p -> Int? in p.values[name] == nil ? nil : try p.int(name, default: 0, range: range) },
             fieldValue: { $0[keyPath: keyPath].map(ParamValue.int) })
    }

    /// A number in `range` (integers in the config are accepted as numbers).
    public static func double(_ name: String, _ keyPath: KeyPath<Config, Double>, default value: Double,
                              range: ClosedRange<Double>, help: String) -> Self {
        Self(name: name, type: .double(range), defaultValue: .double(value), help: help, keyPath: keyPath,
             decode: { try $0.double(name, default: value, range: range) }, fieldValue: { .double($0[keyPath: keyPath]) })
    }

    public static func bool(_ name: String, _ keyPath: KeyPath<Config, Bool>, default value: Bool,
                            help: String) -> Self {
        Self(name: name, type: .bool, defaultValue: .bool(value), help: help, keyPath: keyPath,
             decode: { try $0.bool(name, default: value) }, fieldValue: { .bool($0[keyPath: keyPath]) })
    }

    /// One of `allowed` (which must contain the default).
    public static func choice(_ name: String, _ keyPath: KeyPath<Config, String>, default value: String,
                              allowed: [String], help: String) -> Self {
        precondition(allowed.contains(value), "parameter '\(name)': default '\(value)' is not an allowed value")
        return Self(name: name, type: .choice(allowed), defaultValue: .string(value), help: help, keyPath: keyPath,
                    decode: { try $0.string(name, default: value, allowed: allowed) }, fieldValue: { .string($0[keyPath: keyPath]) })
    }

    /// One case of a string enum; the allowed values are its cases in declaration order.
    public static func choice<E>(_ name: String, _ keyPath: KeyPath<Config, E>, default value: E, help: String) -> Self
        where E: RawRepresentable & CaseIterable & Sendable, E.RawValue == String {
        let allowed = E.allCases.map(\.rawValue)
        return Self(name: name, type: .choice(allowed), defaultValue: .string(value.rawValue), help: help, keyPath: keyPath,
                    decode: { E(rawValue: try $0.string(name, default: value.rawValue, allowed: allowed))! },
                    fieldValue: { .string($0[keyPath: keyPath].rawValue) })
    }
}

/// The values of a typed config's declared parameters after validation, read field by field in its
/// `init(reading:)`. Reading a field that has no declaration is a programming error (it traps), so every
/// field of a typed config comes from exactly one declaration.
public struct DeclaredValues<Config>: @unchecked Sendable {
    // Values are the `any Sendable` results of the declarations' decoders; key paths are immutable.
    private let values: [PartialKeyPath<Config>: any Sendable]

    init(_ values: [PartialKeyPath<Config>: any Sendable]) { self.values = values }

    public subscript<V>(_ keyPath: KeyPath<Config, V>) -> V {
        guard let v = values[keyPath] else { preconditionFailure("\(keyPath) has no parameter declaration") }
        return v as! V
    }
}

/// A typed configuration built from `Parameters` through its parameter declarations (one per field).
/// It is separate from the fitted model: a strategy keeps its config and reads its settings from it.
public protocol DeclaredParameters: Sendable {
    /// Every parameter, in the order references list them.
    static var parameterDeclarations: [ParameterDeclaration<Self>] { get }
    /// Key prefixes passed through to nested components (hybrid's `base.`), not checked here.
    static var nestedPrefixes: [String] { get }
    /// Builds the config from validated values: `field = values[\.field]` for each field.
    init(reading values: DeclaredValues<Self>)
}

extension DeclaredParameters {
    public static var nestedPrefixes: [String] { [] }

    /// Validates `parameters` against the declarations (unknown keys first, then each declared parameter in
    /// order) and builds the config. Errors are `.config` errors naming the key.
    public init(_ parameters: Parameters, owner: String) throws {
        var checked = parameters
        for key in parameters.values.keys where Self.nestedPrefixes.contains(where: { key.hasPrefix($0) }) {
            checked.values[key] = nil
        }
        try checked.rejectUnknown(allowed: Set(Self.parameterDeclarations.map(\.name)), owner: owner)
        var values: [PartialKeyPath<Self>: any Sendable] = [:]
        for d in Self.parameterDeclarations { values[d.keyPath] = try d.decode(parameters) }
        self.init(reading: DeclaredValues(values))
    }

    /// Type-erased descriptions of the declarations, for references and generic checks.
    public static var parameterInfo: [ParameterInfo] {
        parameterDeclarations.map { ParameterInfo(name: $0.name, type: $0.type, defaultValue: $0.defaultValue,
                                                  defaultText: $0.defaultText, help: $0.help) }
    }
}

/// A parameter declaration without its config type: what references print.
public struct ParameterInfo: Sendable, Equatable {
    public let name: String
    public let type: ParameterType
    public let defaultValue: ParamValue?
    public let defaultText: String
    public let help: String
}

/// The config of a component without parameters.
public struct NoParameters: DeclaredParameters {
    public static let parameterDeclarations: [ParameterDeclaration<NoParameters>] = []
    public init(reading values: DeclaredValues<NoParameters>) {}
    public init() {}
}
