/// An action the client sends: `Action:` first, then `ActionID:`, then its headers, then one `Variable:` header
/// per channel variable.
public struct AMIAction: Sendable, Equatable {
    /// The action name, e.g. `Login`, `Originate`.
    public let name: String
    /// The correlation id Asterisk echoes in the reply and in list events.
    public let actionID: String?
    /// The other headers, in order.
    public let headers: [AMIHeader]
    /// Channel variables, each written as its own `Variable: name=value` header.
    public let variables: [(name: String, value: String)]

    /// Creates an action.
    public init(
        _ name: String, actionID: String? = nil, headers: [AMIHeader] = [],
        variables: [(name: String, value: String)] = []
    ) {
        self.name = name
        self.actionID = actionID
        self.headers = headers
        self.variables = variables
    }

    public static func == (lhs: AMIAction, rhs: AMIAction) -> Bool {
        lhs.name == rhs.name && lhs.actionID == rhs.actionID && lhs.headers == rhs.headers
            && lhs.variables.elementsEqual(rhs.variables) { $0.name == $1.name && $0.value == $1.value }
    }
}
