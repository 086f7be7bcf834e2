import Foundation
import Logging
import Synchronization
import ZTICore

/// A worker's support capture: the raw PBX stream, both directions, written to
/// `<state.dir>/captures/<group>-<UTC time>.<ami|dmcc>` (mode 0600: it holds phone numbers) with secrets redacted,
/// so that `ztisup replay` turns it into the events the worker sent. A capture asked by `ztisup capture` ends by
/// itself at its size cap or its duration; `pbx.capture = on` captures continuously, a new file per connection
/// and at each `pbx.capture.max.size`, keeping the last `pbx.capture.max.files`.
///
/// The client calls ``received(_:)`` and ``sent(_:)`` on its read and write paths: with nothing being captured they
/// cost one atomic load.
public final class StreamCapture: Sendable {
    /// What a PBX protocol's capture needs: the file suffix and how secrets are redacted.
    public struct Dialect: Sendable {
        /// `ami` or `dmcc`.
        public let suffix: String
        /// Redacts one line of what the PBX sent (with its line end); nil when the client hands over whole
        /// messages (DMCC frames).
        public let redactLine: (@Sendable (ArraySlice<UInt8>) -> [UInt8])?
        /// Redacts one whole message, either direction.
        public let redactMessage: @Sendable ([UInt8]) -> [UInt8]

        public init(
            suffix: String, redactLine: (@Sendable (ArraySlice<UInt8>) -> [UInt8])?,
            redactMessage: @escaping @Sendable ([UInt8]) -> [UInt8]
        ) {
            self.suffix = suffix
            self.redactLine = redactLine
            self.redactMessage = redactMessage
        }
    }

    /// One file being written.
    struct Recording {
        let path: String
        let descriptor: Int32
        var written = 0
        let limit: Int
        let deadline: ContinuousClock.Instant?
        var interleave: CaptureInterleave?
        /// Part of the continuous capture (rotated, and counted against `maxFiles`).
        let continuous: Bool
    }

    /// Why a capture ended, for its log line.
    enum Ending: String {
        case size = "reached its size cap"
        case time = "reached its duration"
        case connection = "the PBX connection closed"
        case stopped = "the worker stopped"
        case failed = "a write failed"
    }

    private let group: String
    private let directory: String
    private let dialect: Dialect
    private let continuous: PBXSettings.ContinuousCapture?
    private let logger: Logger
    private let capturing = Atomic<Bool>(false)
    private let recordings = Mutex<[Recording]>([])

    public init(
        group: String, directory: String, dialect: Dialect, continuous: PBXSettings.ContinuousCapture?, logger: Logger
    ) {
        self.group = group
        self.directory = directory
        self.dialect = dialect
        self.continuous = continuous
        self.logger = logger
    }

    /// Whether anything is being captured now.
    public var isCapturing: Bool { capturing.load(ordering: .acquiring) }

    /// Starts a capture asked by `ztisup capture`: returns its file.
    public func start(duration: Duration, maxBytes: Int) throws(ZTICoreError) -> String {
        let recording = try open(
            limit: maxBytes, deadline: .now + duration, interleave: interleave(.anywhere), continuous: false)
        recordings.withLock { $0.append(recording) }
        capturing.store(true, ordering: .releasing)
        logger.info(
            "capture of group \(group) started: \(recording.path) (at most \(duration) or \(maxBytes) bytes)",
            metadata: ["group": .string(group)])
        return recording.path
    }

    /// A new connection to the PBX: the continuous capture opens its next file, from the connection's first byte.
    /// An asked capture goes on from that first byte too.
    public func connected() {
        recordings.withLock { recordings in
            for index in recordings.indices where !recordings[index].continuous && recordings[index].interleave != nil {
                // What the old connection left held goes first; the new one starts with its banner.
                Self.writeHeld(&recordings[index])
                recordings[index].interleave = interleave(.connection)
            }
        }
        guard let continuous else { return }
        end(where: { $0.continuous }, .connection)
        openContinuous(continuous)
    }

    /// What the PBX sent: a chunk (in lines) or a whole message.
    public func received(_ bytes: some Collection<UInt8>) {
        guard capturing.load(ordering: .acquiring) else { return }
        record { recording in
            guard var interleave = recording.interleave else { return dialect.redactMessage(Array(bytes)) }
            defer { recording.interleave = interleave }
            return interleave.received(bytes)
        }
    }

    /// A whole message ztisup sent to the PBX.
    public func sent(_ message: [UInt8]) {
        guard capturing.load(ordering: .acquiring) else { return }
        let redacted = dialect.redactMessage(message)
        record { recording in
            guard var interleave = recording.interleave else { return redacted }
            defer { recording.interleave = interleave }
            return interleave.sent(redacted)
        }
    }

    /// Ends the captures past their duration (the worker calls this every few seconds, so that a capture of a
    /// quiet PBX ends too).
    public func expire(now: ContinuousClock.Instant = .now) {
        end(where: { $0.deadline.map { $0 <= now } ?? false }, .time)
    }

    /// Ends every capture: the worker stops.
    public func stop() {
        end(where: { _ in true }, .stopped)
    }

    /// Writes what `render` makes of the input to each recording, and ends or rotates what reached its cap.
    private func record(_ render: (inout Recording) -> [UInt8]) {
        var ended: [(Recording, Ending)] = []
        var rotated = false
        var rotationError: ZTICoreError?
        recordings.withLock { recordings in
            var kept: [Recording] = []
            for var recording in recordings {
                let bytes = render(&recording)
                if !bytes.isEmpty, !Self.write(bytes, to: recording.descriptor) {
                    ended.append((recording, .failed))
                    continue
                }
                recording.written += bytes.count
                let whole = recording.interleave?.atBoundary ?? true
                if recording.written >= recording.limit, whole {
                    ended.append((recording, .size))
                    // The next file opens here, under the lock, so that nothing sent meanwhile misses both.
                    if recording.continuous, let continuous {
                        do {
                            kept.append(try openContinuousFile(continuous, start: .boundary))
                            rotated = true
                        } catch {
                            rotationError = (error as? ZTICoreError) ?? ZTICoreError(.captureFailed, "\(error)")
                        }
                    }
                    continue
                }
                kept.append(recording)
            }
            recordings = kept
            if recordings.isEmpty { capturing.store(false, ordering: .releasing) }
        }
        for (recording, why) in ended { close(recording, why) }
        if rotated, let continuous { prune(keeping: continuous.maxFiles) }
        if let rotationError { logger.warning("\(rotationError.message)", metadata: ["group": .string(group)]) }
    }

    private func end(where chosen: (Recording) -> Bool, _ why: Ending) {
        let ended = recordings.withLock { recordings in
            let ended = recordings.filter(chosen)
            recordings.removeAll(where: chosen)
            if recordings.isEmpty { capturing.store(false, ordering: .releasing) }
            return ended
        }
        for recording in ended { close(recording, why) }
    }

    private func close(_ recording: Recording, _ why: Ending) {
        var recording = recording
        Self.writeHeld(&recording)
        Glibc.close(recording.descriptor)
        // A continuous file's end is routine; an asked capture's end is what the administrator waits for.
        let line = "capture of group \(group) ended (\(why.rawValue)): \(recording.path), \(recording.written) bytes"
        if why == .failed {
            logger.warning("\(line): check the space and the permissions there", metadata: ["group": .string(group)])
        } else if recording.continuous {
            logger.debug("\(line)", metadata: ["group": .string(group)])
        } else {
            logger.info("\(line)", metadata: ["group": .string(group)])
        }
    }

    /// The interleave of a capture in lines that starts at `start`; nil for a dialect of whole messages.
    private func interleave(_ start: CaptureInterleave.Start) -> CaptureInterleave? {
        dialect.redactLine.map { CaptureInterleave(start: start, redactLine: $0) }
    }

    /// The continuous capture's next file.
    private func openContinuousFile(_ continuous: PBXSettings.ContinuousCapture, start: CaptureInterleave.Start)
        throws(ZTICoreError) -> Recording
    {
        try open(limit: continuous.maxBytes, deadline: nil, interleave: interleave(start), continuous: true)
    }

    private func openContinuous(_ continuous: PBXSettings.ContinuousCapture) {
        do {
            let recording = try openContinuousFile(continuous, start: .connection)
            recordings.withLock { $0.append(recording) }
            capturing.store(true, ordering: .releasing)
            prune(keeping: continuous.maxFiles)
        } catch {
            logger.warning("\(error.message)", metadata: ["group": .string(group)])
        }
    }

    /// The continuous files of the group beyond the newest `count` are removed.
    private func prune(keeping count: Int) {
        let suffix = "-auto." + dialect.suffix
        // Oldest first by the time of their last write: two files of one second differ only by a counter.
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasPrefix(group + "-") && $0.hasSuffix(suffix) }
            .map { name -> (path: String, written: Int) in
                var info = stat()
                let path = directory + "/" + name
                guard stat(path, &info) == 0 else { return (path, 0) }
                return (path, info.st_mtim.tv_sec * 1_000_000_000 + info.st_mtim.tv_nsec)
            }
            .sorted { ($0.written, $0.path) < ($1.written, $1.path) }
        for file in files.dropLast(count) { unlink(file.path) }
    }

    private func open(limit: Int, deadline: ContinuousClock.Instant?, interleave: CaptureInterleave?, continuous: Bool)
        throws(ZTICoreError) -> Recording
    {
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        } catch {
            throw ZTICoreError(.captureFailed, "cannot create the capture directory \(directory): \(error)")
        }
        let stamp = Self.stamp(Date())
        let ending = (continuous ? "-auto." : ".") + dialect.suffix
        for attempt in 1...100 {
            let path = directory + "/" + group + "-" + stamp + (attempt == 1 ? "" : "-\(attempt)") + ending
            let descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if descriptor >= 0 {
                return Recording(
                    path: path, descriptor: descriptor, limit: limit, deadline: deadline, interleave: interleave,
                    continuous: continuous)
            }
            if errno != EEXIST { break }
        }
        throw ZTICoreError(
            .captureFailed, "cannot create a capture file in \(directory): \(String(cString: strerror(errno)))")
    }

    /// `20261202T190501.123Z` (ISO 8601, basic format, UTC, to the millisecond): sorts as it reads, differs
    /// between the files of a rotation, and has no character a shell or a mail client trips on.
    static func stamp(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var time = time_t(milliseconds / 1000)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(
            format: "%04d%02d%02dT%02d%02d%02d.%03dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
            parts.tm_hour, parts.tm_min, parts.tm_sec, Int32(milliseconds % 1000))
    }

    /// Writes what ztisup sent that the interleave still holds (the PBX's side ends inside a message).
    private static func writeHeld(_ recording: inout Recording) {
        guard let held = recording.interleave?.drain(), !held.isEmpty, write(held, to: recording.descriptor) else {
            return
        }
        recording.written += held.count
    }

    private static func write(_ bytes: [UInt8], to descriptor: Int32) -> Bool {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let count = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { return false }
                offset += count
            }
            return true
        }
    }
}
