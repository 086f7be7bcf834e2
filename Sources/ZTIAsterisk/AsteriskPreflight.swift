import ZTICore

/// `ztisup check-config --connect` for an Asterisk group: one AMI session that proves what can be proven without
/// placing a call (the login, the family and version, the write classes, `timestampevents`, whether each
/// extension is known to the PBX), and says what cannot (the read classes).
public enum AsteriskPreflight {
    /// The channel technology of the write-class probe: none of that name exists, so an `Originate` to it is
    /// refused either for the permission or for the channel, and never rings anything.
    static let probeChannel = "ZTIPreflight/none"

    /// Runs the checks of `group` with `client` (whose settings are the group's), within the client's reply timeout
    /// per action.
    public static func run(group: GroupConfig, client: AMIClient) async -> [PreflightCheck] {
        let settings = client.settings
        let login =
            "AMI login as \(settings.username) on \(settings.host):\(settings.port)"
            + " (\(settings.authentication == .md5 ? "MD5 challenge" : "plain"))"
        do {
            return try await client.probe { session in
                var checks = [PreflightCheck(.pass, login)]
                let family = await familyCheck(session, into: &checks)
                await writeClassChecks(session, family: family, into: &checks)
                checks.append(timestampCheck(session.events))
                await extensionChecks(session, group: group, into: &checks)
                checks.append(
                    PreflightCheck(
                        .note,
                        "read classes (manager.conf read=, at least 'call'): not provable without a call; after "
                            + "the start, place one and see `ztisup status` (the age of the group's last PBX event)"))
                return checks
            }
        } catch {
            let reason = (error as? ZTIAsteriskError)?.message ?? "\(error)"
            return [PreflightCheck(.fail, "\(login): \(reason); \(loginAdvice(error))")]
        }
    }

    static func loginAdvice(_ error: any Error) -> String {
        let code = (error as? ZTIAsteriskError)?.code
        if code == .authenticationFailed {
            return "check pbx.username and the password file against manager.conf's [user] secret, and its permit="
        }
        if code == .timedOut {
            return "the PBX did not answer in time: is this an AMI port (manager.conf port=, usually 5038)?"
        }
        return "check pbx.host and pbx.port, manager.conf enabled = yes and bindaddr, and any firewall between"
    }

    /// The family and version: the banner, then `CoreSettings` (1.6+; an unknown command means 1.4).
    static func familyCheck(_ session: AMIProbeSession, into checks: inout [PreflightCheck]) async -> AMIFamily? {
        var family = session.banner.flatMap { banner in
            AMIFamilyInference.family(of: AMIMessage(kind: .banner, body: banner))
        }
        let reply: AMIReply
        do {
            reply = try await session.perform("CoreSettings")
        } catch {
            checks.append(PreflightCheck(.fail, "CoreSettings: \(describe(error))"))
            return family
        }
        if reply.isSuccess {
            family = AMIFamilyInference.family(coreSettings: reply.response) ?? family
            let version = reply.response["AsteriskVersion"].map { Untrusted.shown($0) } ?? "unknown"
            let ami = reply.response["AMIversion"].map { Untrusted.shown($0) } ?? "unknown"
            checks.append(PreflightCheck(.pass, "Asterisk \(version), AMI \(ami): family \(name(family))"))
        } else if reply.isUnknownCommand {
            checks.append(PreflightCheck(.pass, "Asterisk 1.4 (CoreSettings is an unknown command there): family 1.4"))
            family = .v14
        } else if reply.isPermissionDenied {
            checks.append(
                PreflightCheck(
                    .fail,
                    "CoreSettings refused: the AMI user lacks the 'system' or 'reporting' write class "
                        + "(add 'reporting' to its write= in manager.conf); family from the banner: \(name(family))"))
        } else {
            checks.append(PreflightCheck(.fail, "CoreSettings answered \(reply.message)"))
        }
        return family
    }

    /// `originate` (click-to-dial) by an `Originate` to a technology that does not exist, and `reporting` (the
    /// re-sync of calls up at the start) by `CoreShowChannels` (`Status` on 1.4).
    static func writeClassChecks(_ session: AMIProbeSession, family: AMIFamily?, into checks: inout [PreflightCheck])
        async
    {
        let originateClass = family == .v14 ? "call" : "originate"
        do {
            let reply = try await session.perform(
                "Originate",
                [
                    AMIHeader("Channel", probeChannel), AMIHeader("Context", "default"), AMIHeader("Exten", "s"),
                    AMIHeader("Priority", "1"), AMIHeader("Timeout", "1000"),
                ])
            if reply.isPermissionDenied {
                checks.append(
                    PreflightCheck(
                        .fail,
                        "write class '\(originateClass)' missing: click-to-dial cannot place calls; add it to the "
                            + "AMI user's write= in manager.conf"))
            } else {
                checks.append(
                    PreflightCheck(
                        .pass,
                        "write class '\(originateClass)': an Originate was refused for its channel, not for the "
                            + "permission (the probe rings nothing)"))
            }
        } catch {
            checks.append(PreflightCheck(.fail, "Originate probe: \(describe(error))"))
        }
        let listing = family == .v14 ? "Status" : "CoreShowChannels"
        do {
            let reply = try await session.perform(listing, list: true)
            if reply.isSuccess {
                checks.append(
                    PreflightCheck(
                        .pass, "write class 'reporting': \(listing) lists the \(reply.items.count) channels up"))
            } else if reply.isPermissionDenied {
                checks.append(
                    PreflightCheck(
                        .fail,
                        "\(listing) refused: the AMI user lacks the 'reporting' write class (1.4: 'system' or 'call'); "
                            + "calls up when ztisup starts would not be found; add it to write= in manager.conf"))
            } else {
                checks.append(PreflightCheck(.fail, "\(listing) answered \(reply.message)"))
            }
        } catch {
            checks.append(PreflightCheck(.fail, "\(listing): \(describe(error))"))
        }
    }

    /// `timestampevents`: shown by the unsolicited events of the session (FullyBooted after a 1.6+ login, calls);
    /// the items of a list reply never carry `Timestamp:`, whatever the setting, so they tell nothing.
    static func timestampCheck(_ events: [AMIMessage]) -> PreflightCheck {
        let events = events.filter { $0.actionID == nil }
        guard !events.isEmpty else {
            return PreflightCheck(
                .note,
                "timestampevents: no event came during the check, so it is not known; ztisup dates events by their "
                    + "arrival without it")
        }
        if events.contains(where: { $0["Timestamp"] != nil }) {
            return PreflightCheck(.pass, "timestampevents = yes: events are dated by the PBX's clock")
        }
        return PreflightCheck(
            .note,
            "timestampevents is off: events are dated by their arrival here; set timestampevents = yes in "
                + "manager.conf's [general] for the PBX's own times")
    }

    /// Each member extension, by `ExtensionState` in the click-to-dial context (`from-internal` without one): a
    /// hint means the PBX knows a device for it.
    static func extensionChecks(_ session: AMIProbeSession, group: GroupConfig, into checks: inout [PreflightCheck])
        async
    {
        let context = group.pbx.originate?.context ?? "from-internal"
        var unknown: [String] = []
        var known = 0
        for user in group.users {
            let reply: AMIReply
            do {
                reply = try await session.perform(
                    "ExtensionState", [AMIHeader("Exten", user.extensionNumber), AMIHeader("Context", context)])
            } catch {
                checks.append(PreflightCheck(.fail, "ExtensionState \(user.extensionNumber): \(describe(error))"))
                return
            }
            if reply.isPermissionDenied {
                checks.append(
                    PreflightCheck(
                        .note,
                        "extensions not checked: ExtensionState needs the 'call' or 'reporting' write class"))
                return
            }
            guard reply.isSuccess else {
                checks.append(PreflightCheck(.fail, "ExtensionState \(user.extensionNumber) answered \(reply.message)"))
                return
            }
            let hint = reply.response["Hint"] ?? ""
            if hint.isEmpty || reply.response["Status"] == "-1" {
                unknown.append(user.extensionNumber)
            } else {
                known += 1
            }
        }
        if unknown.isEmpty {
            checks.append(PreflightCheck(.pass, "extensions: all \(known) have a device hint in context \(context)"))
        } else {
            let shown = PreflightCheck.listing(unknown, separator: ", ")
            checks.append(
                PreflightCheck(
                    .fail,
                    "extensions without a device hint in context \(context) (\(unknown.count) of "
                        + "\(group.users.count)): \(shown); check the numbers in the group file, or the dialplan's "
                        + "hints (FreePBX makes one per extension)"))
        }
    }

    static func describe(_ error: any Error) -> String {
        (error as? ZTIAsteriskError)?.message ?? "\(error)"
    }

    static func name(_ family: AMIFamily?) -> String {
        family?.releases ?? "not told (inferred from the first call events)"
    }
}
