/// A problem with a scenario file, naming the line.
public struct ScenarioParseError: Error, CustomStringConvertible, Equatable {
    public let line: Int
    public let message: String
    public var description: String { "line \(line): \(message)" }

    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }
}

/// One step of a scenario file, before its verb is read: shared by the AMI and the AES scenario formats, whose
/// lines look alike (`at SECONDS VERB ARGUMENTS…`, or `+SECONDS` relative to the previous step, `#` comments).
struct ScenarioLine: Sendable {
    let line: Int
    /// Scenario time in milliseconds.
    let at: Int64
    let verb: String
    let arguments: [String]

    /// The step lines of `text`; blank and comment lines are skipped.
    static func parse(_ text: String) throws(ScenarioParseError) -> [ScenarioLine] {
        var lines: [ScenarioLine] = []
        var clock: Int64 = 0
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = index + 1
            let content = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            var words = content.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
            guard !words.isEmpty else { continue }
            if words[0] == "at" || words[0].hasPrefix("+") {
                let relative = words[0].hasPrefix("+")
                let number = relative ? String(words[0].dropFirst()) : (words.count > 1 ? words[1] : "")
                guard let seconds = Double(number), seconds >= 0, seconds < 1e7 else {
                    throw ScenarioParseError(
                        line: line, message: "expected a time in seconds after at or +, e.g. at 4 or +0.5")
                }
                clock = (relative ? clock : 0) + Int64(seconds * 1000)
                words.removeFirst(relative ? 1 : 2)
            }
            guard let verb = words.first else { throw ScenarioParseError(line: line, message: "a time without a step") }
            lines.append(ScenarioLine(line: line, at: clock, verb: verb, arguments: Array(words.dropFirst())))
        }
        guard !lines.isEmpty else { throw ScenarioParseError(line: 0, message: "the scenario has no steps") }
        return lines
    }
}

/// One step of a scenario and its scenario time in milliseconds.
public struct ScenarioStep<Action: Sendable & Equatable>: Sendable, Equatable {
    public let at: Int64
    public let action: Action

    /// A step at `at` milliseconds of scenario time.
    public init(at: Int64, action: Action) {
        self.at = at
        self.action = action
    }
}

extension ScenarioLine {
    /// The steps of a scenario file, each line's verb and words turned into an action by `action`.
    static func steps<Action>(
        _ text: String, _ action: (_ verb: String, _ words: [String], _ line: Int) throws(ScenarioParseError) -> Action
    ) throws(ScenarioParseError) -> [ScenarioStep<Action>] {
        try parse(text).map { line throws(ScenarioParseError) in
            ScenarioStep(at: line.at, action: try action(line.verb, line.arguments, line.line))
        }
    }
}

/// A scenario file format (the AMI and the AES simulators' own): steps in time, each line's verb and words turned
/// into an action by ``action(_:_:line:)``, and parsed by the one rule of ``ScenarioLine``.
public protocol ScenarioFile: Sendable, Equatable {
    associatedtype Action: Sendable & Equatable
    var steps: [ScenarioStep<Action>] { get }
    init(steps: [ScenarioStep<Action>])
    /// The action of one line, or an error naming the line.
    static func action(_ verb: String, _ words: [String], line: Int) throws(ScenarioParseError) -> Action
}

extension ScenarioFile {
    /// A problem with a scenario file, naming the line.
    public typealias ParseError = ScenarioParseError
    public typealias Step = ScenarioStep<Action>

    /// Parses the text of a scenario file.
    public init(_ text: String) throws(ScenarioParseError) {
        self.init(
            steps: try ScenarioLine.steps(text) { verb, words, line throws(ScenarioParseError) in
                try Self.action(verb, words, line: line)
            })
    }
}
