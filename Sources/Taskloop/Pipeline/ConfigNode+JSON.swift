extension ConfigNode {
    /// The value as JSON, typed the way YAML 1.2's core schema reads plain
    /// scalars: `null`/`~`, `true`/`false`, numbers; anything quoted is text.
    public var jsonValue: JSONValue {
        switch content {
        case .scalar(let text, let isPlain):
            guard isPlain else { return .string(text) }
            if isNull { return .null }
            if let flag = Self.bool(text) { return .bool(flag) }
            if let number = Double(text), text.first.map({ $0.isNumber || $0 == "-" || $0 == "+" || $0 == "." }) == true {
                return .number(number)
            }
            return .string(text)
        case .sequence(let items):
            return .array(items.map(\.jsonValue))
        case .mapping(let entries):
            return .object(Dictionary(entries.map { ($0.name, $0.value.jsonValue) }, uniquingKeysWith: { _, last in last }))
        }
    }
}
