import Foundation
import Testing

@testable import ZTICore

/// One broken file per rule, each with the exact error text and its file:line.
@Suite struct ConfigurationValidationTests {
    private func group(_ extra: String, base: String = ConfDirectory.validGroup) -> ConfDirectory {
        ConfDirectory(groups: ["sales": base + extra])
    }

    @Test func aValidConfigurationLoads() throws {
        let conf = ConfDirectory()
        let configuration = try conf.load()
        #expect(configuration.groups.map(\.key) == ["sales"])
        let sales = try #require(configuration.group("sales"))
        #expect(sales.name == "sales")
        #expect(sales.pbx.port == 5038)
        #expect(sales.pbx.passwordFile == conf.path + "/pbx.secret")
        #expect(sales.pbx.keepalive == .seconds(20))
        #expect(sales.pbx.resyncInterval == .seconds(300))
        #expect(sales.pbx.callMaxOpen == .seconds(600))
        #expect(sales.users.map(\.extensionNumber) == ["101"])
        #expect(sales.users.first?.dialCode == .noPrefix)
        #expect(configuration.warnings.isEmpty)
    }

    @Test func relativeDirectoriesResolveAgainstTheConfDirectory() throws {
        let conf = ConfDirectory()
        let global = try conf.load().global
        #expect(global.runtimeDir == conf.path + "/run")
        #expect(global.stateDir == conf.path + "/state")
    }

    @Test func defaultsOfTheGlobalFile() throws {
        let global = try ConfDirectory(global: "").load().global
        #expect(global.sink == .none)
        #expect(global.runtimeDir == "/run/ztisup")
        #expect(global.stateDir == "/var/lib/ztisup")
        #expect(global.clickToDialListen == HostPort(host: "127.0.0.1", port: 8765))
        #expect(global.restartIntensity == 5)
        #expect(global.restartPeriod == .seconds(60))
        #expect(global.workerUnackedMax == 10_000)
        #expect(global.ackTimeout == .seconds(5))
        #expect(global.uploaderSpawn == nil)
        #expect(global.spoolRetention == .seconds(30 * 86_400))
    }

    @Test func aRequiredKeyIsMissing() {
        let conf = ConfDirectory(groups: ["sales": "pbx.type = asterisk\npbx.username = zti\npbx.password = x\n"])
        #expect(
            conf.errors() == [
                "conf/groups/sales.properties: pbx.host: missing: expected the PBX host name or IP address"
            ])
    }

    @Test func aBadPort() {
        #expect(
            group("pbx.port = 99999\n").errors() == [
                "conf/groups/sales.properties:7: pbx.port = \"99999\": expected a TCP port number from 1 to 65535"
            ])
    }

    @Test func anUnknownPBXType() {
        let conf = ConfDirectory(groups: [
            "sales": ConfDirectory.validGroup.replacingOccurrences(of: "asterisk", with: "panasonic")
        ])
        #expect(
            conf.errors() == [
                "conf/groups/sales.properties:1: pbx.type = \"panasonic\": expected asterisk, elastix or avaya"
            ])
    }

    @Test func aBadHost() {
        let conf = ConfDirectory(groups: [
            "sales": ConfDirectory.validGroup.replacingOccurrences(of: "192.0.2.10", with: "pbx_1..example")
        ])
        #expect(
            conf.errors() == [
                "conf/groups/sales.properties:2: pbx.host = \"pbx_1..example\": expected a host name or IP address"
            ])
    }

    @Test func aBadDuration() {
        #expect(
            group("pbx.keepalive = 20\n").errors() == [
                "conf/groups/sales.properties:7: pbx.keepalive = \"20\": expected a duration such as 500ms, 30s, 5m, "
                    + "1h or 30d"
            ])
    }

    @Test func aDurationBelowItsMinimum() {
        #expect(
            group("pbx.resync.interval = 10ms\n").errors() == [
                "conf/groups/sales.properties:7: pbx.resync.interval = \"10ms\": expected a duration of at least 1s"
            ])
    }

    @Test func aBadBoolean() {
        #expect(
            group("pbx.ami.filter = maybe\n").errors() == [
                "conf/groups/sales.properties:7: pbx.ami.filter = \"maybe\": expected true or false"
            ])
    }

    @Test func aMalformedDialCode() {
        #expect(
            group("pbx.dialcodes = LOCAL:9x\n").errors() == [
                "conf/groups/sales.properties:7: pbx.dialcodes = \"LOCAL:9x\": dial code LOCAL has \"9x\"; expected "
                    + "DESTINATION:CODE pairs separated by ; with codes of digits, * and # only"
            ])
    }

    @Test func aDialCodeWithoutColon() {
        #expect(
            group("pbx.dialcodes = LOCAL:9;LONGDIS\n").errors() == [
                "conf/groups/sales.properties:7: pbx.dialcodes = \"LOCAL:9;LONGDIS\": \"LONGDIS\" has no colon; "
                    + "expected DESTINATION:CODE pairs separated by ; with codes of digits, * and # only"
            ])
    }

    @Test func dialCodeDestinationsAreUnique() {
        #expect(
            group("pbx.dialcodes = LOCAL:9;LOCAL:8\n").errors() == [
                "conf/groups/sales.properties:7: pbx.dialcodes = \"LOCAL:9;LOCAL:8\": destination LOCAL is defined "
                    + "twice; destinations must be unique"
            ])
    }

    @Test func dialCodesParseInOrder() throws {
        let sales = try #require(try group("pbx.dialcodes = LONGDIS:1000; LOCAL : 9 ;\n").load().group("sales"))
        #expect(
            sales.dialCodes == [
                DialCode(destination: "LONGDIS", code: "1000"), DialCode(destination: "LOCAL", code: "9"),
            ])
    }

    @Test func anExtensionMustBeDialCharacters() {
        #expect(
            group("user.bob.crmuser = 200\nuser.bob.extension = 10a\n").errors() == [
                "conf/groups/sales.properties:8: user.bob.extension = \"10a\": expected an extension of digits, * and # only"
            ])
    }

    @Test func anExtensionWithAControlCharacter() {
        #expect(
            group("user.bob.crmuser = 200\nuser.bob.extension = 10\\u00012\n").errors() == [
                "conf/groups/sales.properties:8: user.bob.extension = \"10\\u00012\": the extension contains a control "
                    + "character; expected digits, * and # only"
            ])
    }

    @Test func anExtensionIsUniqueInItsGroup() {
        #expect(
            group("user.bob.crmuser = 200\nuser.bob.extension = 101\n").errors() == [
                "conf/groups/sales.properties:8: user.bob.extension = \"101\": extension 101 already belongs to "
                    + "user.alice (line 6); an extension is unique in its group"
            ])
    }

    @Test func aUserWithoutCRMUser() {
        #expect(
            group("user.bob.extension = 102\n").errors() == [
                "conf/groups/sales.properties: user.bob.crmuser: missing: expected the CRM user id"
            ])
    }

    @Test func aCRMUserIsTheDefaultInOnePlaceOnly() {
        let second = ConfDirectory.validGroup.replacingOccurrences(of: "101", with: "201")
        let conf = ConfDirectory(groups: [
            "sales": ConfDirectory.validGroup + "user.alice.default = true\n",
            "support": second + "user.alice.default = true\n",
        ])
        #expect(
            conf.errors() == [
                "conf/groups/support.properties:7: user.alice.default = \"true\": CRM user 100 is already the default "
                    + "at conf/groups/sales.properties:7 (user.alice); a CRM user is the default in one place only"
            ])
    }

    @Test func twoDefaultsAreFoundEvenInAFileWithOtherErrors() {
        let conf = group(
            "pbx.port = 0\nuser.alice.default = true\nuser.bob.crmuser = 100\nuser.bob.extension = 102\n"
                + "user.bob.default = on\n")
        #expect(conf.errors().count == 2)
        #expect(
            conf.errors().last?.hasPrefix("conf/groups/sales.properties:11: user.bob.default = \"on\": CRM user 100")
                == true)
    }

    @Test func aUserDialCodeNamesADefinedCode() {
        #expect(
            group("pbx.dialcodes = LOCAL:9\nuser.alice.dialcode = LONGDIS\n").errors() == [
                "conf/groups/sales.properties:8: user.alice.dialcode = \"LONGDIS\": no dial code is named so in "
                    + "pbx.dialcodes; expected one of LOCAL, noprefix, none"
            ])
    }

    @Test func userDialCodePolicies() throws {
        let conf = group(
            "pbx.dialcodes = LOCAL:9\nuser.alice.dialcode = LOCAL\nuser.bob.crmuser = 2\nuser.bob.extension = 102\n"
                + "user.bob.dialcode = none\nuser.carol.crmuser = 3\nuser.carol.extension = 103\n"
                + "user.carol.dialcode = noprefix\n")
        let users = try #require(try conf.load().group("sales")).users
        #expect(users.map(\.dialCode) == [.code("LOCAL"), .askEachTime, .noPrefix])
    }

    @Test func groupNamesAreUnique() {
        let conf = ConfDirectory(groups: [
            "a": ConfDirectory.validGroup + "group.name = Sales\n",
            "b": ConfDirectory.validGroup.replacingOccurrences(of: "= 100", with: "= 200") + "group.name = sales\n",
        ])
        #expect(
            conf.errors() == [
                "conf/groups/b.properties:7: group.name = \"sales\": group a (conf/groups/a.properties) already has "
                    + "this name; group names are unique"
            ])
    }

    @Test func aGroupKeyMustBeSafeInPathsAndIds() {
        let conf = ConfDirectory(groups: ["sales": ConfDirectory.validGroup, "-bad key": ConfDirectory.validGroup])
        #expect(
            conf.errors() == [
                "conf/groups/-bad key.properties: the group key \"-bad key\" (the file name) must be 1 to 64 letters, "
                    + "digits, '.', '_' or '-', starting with a letter or digit"
            ])
    }

    @Test func anUnknownKeyWarnsWithASuggestion() throws {
        #expect(
            try group("pbx.hots = x\nuser.alice.extenson = 1\nfoo.bar = 1\n").warnings() == [
                "conf/groups/sales.properties:7: warning: pbx.hots: unknown key, ignored; did you mean pbx.host?",
                "conf/groups/sales.properties:8: warning: user.alice.extenson: unknown user key, ignored; did you mean "
                    + "user.X.extension?",
                "conf/groups/sales.properties:9: warning: foo.bar: unknown key, ignored",
            ])
    }

    /// The Java adapter's group keys load, and a warning says that they do nothing here.
    @Test func theJavaAdaptersGroupKeysAreInformational() throws {
        let conf = group("group.representative = alice@example.com\ngroup.crmgroup = Sales\n")
        #expect(conf.errors() == ["(no error)"])
        #expect(
            try conf.warnings() == [
                "conf/groups/sales.properties:7: warning: group.representative = \"alice@example.com\": "
                    + "group.representative is informational (kept from the Java adapter's files): ztisup does not use "
                    + "it; each member's CRM user is user.<name>.crmuser",
                "conf/groups/sales.properties:8: warning: group.crmgroup = \"Sales\": group.crmgroup is informational "
                    + "(kept from the Java adapter's files): ztisup does not use it; the CRM knows its users, not groups "
                    + "of the PBX",
            ])
    }

    @Test func anUnknownGlobalKeyWarnsWithASuggestion() throws {
        #expect(
            try ConfDirectory(global: "log.levl = info\n").warnings() == [
                "conf/zti.properties:1: warning: log.levl: unknown key, ignored; did you mean log.level?"
            ])
        // A misspelt crm.sink would deliver nothing: it is missing, and the warning says which key was meant.
        let conf = ConfDirectory(global: "crm.snik = zoho\n")
        #expect(
            conf.errors() == [
                "conf/zti.properties: crm.sink: missing: expected the CRM to deliver to (zoho, webhook, zammad or "
                    + "none), since the file sets other crm.* keys"
            ])
        #expect(throws: ZTICoreError.self) { try conf.load() }
        do {
            _ = try conf.load()
        } catch {
            #expect(error.diagnostics.contains { $0.description.hasSuffix("did you mean crm.sink?") })
        }
    }

    @Test func anInlinePasswordWarnsAndRecommendsAFile() throws {
        let text = ConfDirectory.validGroup.replacingOccurrences(
            of: "pbx.password.file = pbx.secret", with: "pbx.password = s3cret")
        let conf = ConfDirectory(groups: ["sales": text])
        #expect(
            try conf.warnings() == [
                "conf/groups/sales.properties:4: warning: pbx.password: the password is written in the group file; put "
                    + "it in a file of mode 0600 and name it with pbx.password.file"
            ])
        #expect(try conf.load().group("sales")?.pbx.password == "s3cret")
    }

    @Test func aMissingPasswordFileIsAnError() {
        let text = ConfDirectory.validGroup.replacingOccurrences(of: "pbx.secret", with: "nothing.secret")
        #expect(
            ConfDirectory(groups: ["sales": text]).errors().map { $0.replacingOccurrences(of: "/tmp", with: "") }.first?
                .hasPrefix(
                    "conf/groups/sales.properties:4: pbx.password.file = \"nothing.secret\": expected a file holding "
                        + "the PBX password, but ") == true)
    }

    @Test func aPasswordFileOpenToGroupOrOthersIsAnError() {
        let conf = ConfDirectory()
        chmod(conf.path + "/pbx.secret", 0o644)
        #expect(
            conf.errors() == [
                "conf/groups/sales.properties:4: pbx.password.file = \"pbx.secret\": conf/pbx.secret is open to its "
                    + "group or others (mode 644); the PBX password is a credential: run chmod 600 conf/pbx.secret"
            ])
        chmod(conf.path + "/pbx.secret", 0o640)
        #expect(conf.errors().first?.contains("(mode 640)") == true)
        chmod(conf.path + "/pbx.secret", 0o400)
        #expect(conf.errors() == ["(no error)"])
    }

    @Test func aPasswordFileThatIsADirectoryIsSaidSo() {
        let text = ConfDirectory.validGroup.replacingOccurrences(of: "pbx.secret", with: "/etc")
        #expect(
            ConfDirectory(groups: ["sales": text]).errors() == [
                "conf/groups/sales.properties:4: pbx.password.file = \"/etc\": expected a file holding the PBX "
                    + "password, but /etc is a directory"
            ])
    }

    @Test func aFileThatIsNotTextIsAnErrorNamingIt() {
        // Random-looking bytes with a NUL, an ESC and a BEL: refused whole, nothing of them echoed.
        var garbage: [UInt8] = Array("crm.sink = zoho\n".utf8)
        for index in 0..<4096 { garbage.append(UInt8((index * 37 + 11) % 256)) }
        let conf = ConfDirectory()
        conf.write("zti.properties", bytes: garbage)
        let errors = conf.errors()
        #expect(
            errors == [
                "conf/zti.properties: this is not a text file (it contains NUL bytes); a configuration file is UTF-8 "
                    + "or ISO-8859-1 text: is it the right file?"
            ])
        // Control bytes other than tab, LF, CR and FF, above 1%, without any NUL: not text either.
        let controls = Array(String(repeating: "crm.sink = none\n", count: 10).utf8) + [0x1B, 0x07]
        conf.write("zti.properties", bytes: controls)
        #expect(
            conf.errors().first
                == "conf/zti.properties: this is not a text file (2 of its 162 bytes are control characters); a "
                + "configuration file is UTF-8 or ISO-8859-1 text: is it the right file?")
    }

    @Test func crmKeysWithoutASinkAreAnError() {
        let conf = ConfDirectory(
            global: "runtime.dir = run\nstate.dir = state\ncrm.webhook.url = https://crm.example/\n")
        #expect(
            conf.errors() == [
                "conf/zti.properties: crm.sink: missing: expected the CRM to deliver to (zoho, webhook, zammad or "
                    + "none), since the file sets other crm.* keys"
            ])
    }

    @Test func controlCharactersOfABrokenFileAreEscapedAndLongValuesCut() {
        let value = "\u{1B}[31mred\u{07}" + String(repeating: "x", count: 500)
        let diagnostic = ConfigDiagnostic(
            .error, file: "conf/groups/sales.properties", line: 3, key: "user.\u{1B}]0;title\u{07}.extension",
            value: value, message: "expected digits")
        let shown = diagnostic.description
        #expect(!shown.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
        #expect(
            shown.hasPrefix(
                #"conf/groups/sales.properties:3: user.\u001B]0;title\u0007.extension = "\u001B[31mred\u0007xx"#))
        #expect(shown.hasSuffix("x…\": expected digits"))
        #expect(shown.count < 300)
    }

    @Test func aDefaultTwiceIsReportedInTheSameRunAsTheUsersOwnErrors() {
        // Both users have a bad extension: the default given twice is still found, in the same run.
        let one =
            ConfDirectory.validGroup.replacingOccurrences(of: "extension = 101", with: "extension = 10a")
            + "user.alice.default = true\n"
        let errors = ConfDirectory(groups: ["sales": one, "support": one]).errors()
        #expect(errors.count == 3)
        #expect(
            errors.last
                == "conf/groups/support.properties:7: user.alice.default = \"true\": CRM user 100 is already the "
                + "default at conf/groups/sales.properties:7 (user.alice); a CRM user is the default in one place only")
    }

    @Test func aLineLongerThanTheLimitIsAnErrorAndTheOtherKeysStillCount() throws {
        let long = "group.representative = " + String(repeating: "x", count: 1_000_000) + "\n"
        let conf = ConfDirectory(groups: ["sales": ConfDirectory.validGroup + long + "pbx.port = 99999\n"])
        #expect(
            conf.errors() == [
                "conf/groups/sales.properties:7: the line has 1000023 characters, more than the 65536 a line may have; "
                    + "it was ignored",
                "conf/groups/sales.properties:8: pbx.port = \"99999\": expected a TCP port number from 1 to 65535",
            ])
    }

    @Test func aGroupTooBigForItsWorkersConfigFrameIsRefused() {
        var text = "pbx.type = asterisk\npbx.host = 192.0.2.10\npbx.username = zti\npbx.password.file = pbx.secret\n"
        for index in 0..<15_000 {
            text +=
                "user.u\(index).crmuser = \(4_150_868_000_000_000_000 + index)\nuser.u\(index).extension = "
                + "\(10_000 + index)\n"
        }
        let errors = ConfDirectory(groups: ["big": text]).errors()
        #expect(errors.count == 1)
        #expect(
            errors.first?.hasPrefix("conf/groups/big.properties: the group's 15000 users make a configuration of ")
                == true)
        #expect(errors.first?.hasSuffix("users fit): split it into several groups") == true)
    }

    @Test func aUserKeyMarkedDefaultInSeveralGroupsIsToldSo() throws {
        let one = ConfDirectory.validGroup + "user.alice.default = true\n"
        let two = one.replacingOccurrences(of: "crmuser = 100", with: "crmuser = 200")
        let configuration = try ConfDirectory(groups: ["sales": one, "support": two]).load()
        #expect(throws: ZTICoreError.self) { try ClickToDialTarget.resolve("alice", in: configuration.groups) }
        do {
            _ = try ClickToDialTarget.resolve("alice", in: configuration.groups)
        } catch {
            #expect(
                error.message
                    == "\"alice\" is the user.X key of members of several groups, and more than one is marked "
                    + "user.X.default = true (sales/user.alice, support/user.alice), each for its own CRM user: name "
                    + "the CRM user (user.X.crmuser) to say which")
        }
        #expect(try ClickToDialTarget.resolve("200", in: configuration.groups).group.key == "support")
    }

    @Test func avayaLegacyKeysAreAliases() throws {
        let text = """
            pbx.type = avaya
            avaya.server = aes.example.com
            avaya.manager.username = ctiuser
            avaya.manager.password = pw
            avaya.switch = CM1
            user.alice.crmuser = 100
            user.alice.extension = 4001

            """
        let conf = ConfDirectory(groups: ["cm": text])
        let cm = try #require(try conf.load().group("cm"))
        #expect(cm.pbx.host == "aes.example.com")
        #expect(cm.pbx.username == "ctiuser")
        #expect(cm.pbx.password == "pw")
        #expect(cm.pbx.port == 4722)
        #expect(try conf.warnings().count == 1)
    }

    @Test func avayaLegacyKeysAreRefusedInAnAsteriskGroup() {
        #expect(
            group("avaya.server = aes.example.com\n").errors() == [
                "conf/groups/sales.properties:7: avaya.server = \"aes.example.com\": avaya.server is an old Avaya key; "
                    + "this group is asterisk: use pbx.host"
            ])
    }

    @Test func aLegacyAuthtokenIsRefusedWithTheWayToAuthorize() {
        let errors = ConfDirectory(global: "authtoken = 0123456789abcdef\n").errors()
        #expect(errors.count == 1)
        #expect(errors.first?.hasPrefix("conf/zti.properties:1: authtoken: authtoken is the old ZTI adapter's") == true)
        #expect(errors.first?.contains("ztisup crm authorize") == true)
        #expect(errors.first?.contains("0123456789abcdef") == false)
    }

    @Test func aSecretIsNeverAValueInTheGlobalFile() {
        let errors = ConfDirectory(global: "crm.zoho.client.secret = hunter2\n").errors()
        #expect(
            errors == [
                "conf/zti.properties:1: crm.zoho.client.secret: a secret is never a value in zti.properties: write it "
                    + "to a file of mode 0600 and name the file with secret.<name>.file, where <name> is "
                    + "crm-refresh-token, crm-client-secret, crm-webhook-secret, clicktodial-secret",
                "conf/zti.properties: crm.sink: missing: expected the CRM to deliver to (zoho, webhook, zammad or "
                    + "none), since the file sets other crm.* keys",
            ])
    }

    @Test func secretFilesResolveAgainstTheConfDirectory() throws {
        let conf = ConfDirectory(global: "secret.crm-refresh-token.file = credstore/token\n")
        #expect(try conf.load().global.secretFiles == [.crmRefreshToken: conf.path + "/credstore/token"])
    }

    @Test func theZohoSinkNeedsItsSettings() {
        #expect(
            ConfDirectory(global: "crm.sink = zoho\n").errors() == [
                "conf/zti.properties: clicktodial.public.url: missing: expected the https:// URL at which the CRM "
                    + "reaches the click-to-dial endpoint",
                "conf/zti.properties: crm.zoho.client.id: missing: expected the Zoho API console client id",
            ])
    }

    @Test func groupsEnabledNamesExistingGroups() {
        #expect(
            ConfDirectory(global: "groups.enabled = sales, nosuch\n").errors() == [
                "conf/zti.properties:1: groups.enabled = \"sales, nosuch\": group nosuch has no file "
                    + "groups/nosuch.properties; expected group keys among: sales"
            ])
    }

    @Test func everyErrorIsCollected() {
        let conf = ConfDirectory(
            global: "crm.sink = sometimes\nrestart.intensity = many\n",
            groups: ["sales": "pbx.type = pbx\npbx.port = -1\n"])
        #expect(
            conf.errors() == [
                "conf/zti.properties:1: crm.sink = \"sometimes\": expected zoho, webhook, zammad or none",
                "conf/zti.properties:2: restart.intensity = \"many\": expected a whole number from 1 to 1000",
                "conf/groups/sales.properties:1: pbx.type = \"pbx\": expected asterisk, elastix or avaya",
                "conf/groups/sales.properties: pbx.host: missing: expected the PBX host name or IP address",
                "conf/groups/sales.properties:2: pbx.port = \"-1\": expected a TCP port number from 1 to 65535",
                "conf/groups/sales.properties: pbx.username: missing: expected the AMI or AES user name",
                "conf/groups/sales.properties: pbx.password.file: missing: expected the path of a file holding the PBX "
                    + "password (or pbx.password)",
            ])
    }

    @Test func oneGroupCanBeCheckedAlone() throws {
        let conf = ConfDirectory(groups: ["sales": ConfDirectory.validGroup, "broken": "pbx.type = nope\n"])
        #expect(try conf.load(onlyGroup: "sales").groups.map(\.key) == ["sales"])
        #expect(conf.errors().count > 0)
        #expect(
            conf.errors(onlyGroup: "nosuch") == [
                "conf/groups/nosuch.properties: no such group: expected the file of group nosuch here"
            ])
    }

    @Test func aDirectoryWithoutGroupsIsAnError() {
        #expect(
            ConfDirectory(groups: [:]).errors() == [
                "conf/groups: no group files: expected one <group>.properties file per PhoneBridge group"
            ])
    }

    @Test func theShippedConfigurationIsValidAndWarnsOnlyOfItsInlineDemoPassword() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        // Valid on a fresh clone, where git gives every file mode 0644: the demo needs no credential file.
        let configuration = try ConfigurationLoader.load(confDir: root + "/conf")
        #expect(
            configuration.warnings.map { $0.description.replacingOccurrences(of: root + "/", with: "") } == [
                "conf/groups/demo.properties:24: warning: pbx.password: the password is written in the group file; "
                    + "put it in a file of mode 0600 and name it with pbx.password.file"
            ])
        let demo = try #require(configuration.group("demo"))
        #expect(demo.pbx.type == .asterisk)
        #expect(demo.pbx.host == "127.0.0.1")
        #expect(demo.pbx.port == 15038)
        #expect(configuration.global.sink == .none)
        #expect(configuration.global.clickToDialListen.port == 0)
    }
}

/// Keys that apply to one kind of PBX: `pbx.originate.*` and the AES settings.
@Suite struct PBXKindConfigurationTests {
    private static let avayaGroup = """
        pbx.type = avaya
        pbx.host = aes.example.com
        pbx.username = ctiuser
        pbx.password.file = pbx.secret
        avaya.switch = CM1
        user.alice.crmuser = 100
        user.alice.extension = 4001

        """

    @Test func originateDefaultsDependOnThePBXType() throws {
        let conf = ConfDirectory(groups: [
            "a": ConfDirectory.validGroup,
            "e": ConfDirectory.validGroup.replacingOccurrences(of: "asterisk", with: "elastix")
                .replacingOccurrences(of: "= 100", with: "= 200"),
        ])
        let configuration = try conf.load()
        #expect(configuration.group("a")?.pbx.originate?.channel == "SIP/{ext}")
        #expect(configuration.group("e")?.pbx.originate?.channel == "Local/{ext}@from-internal")
        #expect(configuration.group("e")?.pbx.originate?.context == "from-internal")
        #expect(configuration.group("e")?.pbx.originate?.timeout == .seconds(30))
    }

    @Test func anOriginateChannelNeedsTheExtensionPlaceholder() {
        #expect(
            ConfDirectory(groups: ["sales": ConfDirectory.validGroup + "pbx.originate.channel = SIP/101\n"]).errors()
                == [
                    "conf/groups/sales.properties:7: pbx.originate.channel = \"SIP/101\": expected a channel template with "
                        + "{ext}, e.g. SIP/{ext}, PJSIP/{ext} or Local/{ext}@from-internal"
                ])
    }

    @Test func anAvayaGroupLoadsWithTLSDefaults() throws {
        let cm = try #require(try ConfDirectory(groups: ["cm": Self.avayaGroup]).load().group("cm"))
        let avaya = try #require(cm.pbx.avaya)
        #expect(avaya.switchName == "CM1")
        #expect(avaya.tls && avaya.verify && avaya.verifyHostname)
        #expect(avaya.caFile == nil)
        #expect(avaya.sessionDuration == .seconds(180))
        #expect(avaya.sessionCleanupDelay == .seconds(60))
        #expect(cm.pbx.port == 4722)
        #expect(cm.pbx.originate == nil)
    }

    @Test func plainTCPDefaultsToPort4721() throws {
        let conf = ConfDirectory(groups: ["cm": Self.avayaGroup + "avaya.tls = false\n"])
        #expect(try conf.load().group("cm")?.pbx.port == 4721)
    }

    @Test func anAvayaGroupNeedsItsSwitchConnection() {
        let text = Self.avayaGroup.replacingOccurrences(of: "avaya.switch = CM1\n", with: "")
        #expect(
            ConfDirectory(groups: ["cm": text]).errors() == [
                "conf/groups/cm.properties: avaya.switch: missing: expected the AES switch connection name (AES: "
                    + "Communication Manager Interface > Switch Connections)"
            ])
    }

    @Test func tlsFilesMustExistAndComeInPairs() {
        let conf = ConfDirectory(groups: [
            "cm": Self.avayaGroup + "avaya.tls.cafile = nosuch.pem\navaya.tls.certfile = pbx.secret\n"
        ])
        let errors = conf.errors()
        #expect(errors.count == 2)
        #expect(
            errors.first?.hasPrefix(
                "conf/groups/cm.properties:8: avaya.tls.cafile = \"nosuch.pem\": expected a PEM file") == true)
        #expect(
            errors.last
                == "conf/groups/cm.properties:9: avaya.tls.certfile = \"pbx.secret\": a client certificate needs both "
                + "avaya.tls.certfile and avaya.tls.keyfile")
    }

    @Test func keysOfTheOtherKindOfPBXAreIgnoredWithAWarning() throws {
        let conf = ConfDirectory(groups: [
            "cm": Self.avayaGroup + "pbx.originate.channel = SIP/{ext}\n",
            "sales": ConfDirectory.validGroup.replacingOccurrences(of: "= 100", with: "= 200") + "avaya.switch = CM1\n",
        ])
        #expect(
            try conf.warnings() == [
                "conf/groups/cm.properties:8: warning: pbx.originate.channel = \"SIP/{ext}\": this key applies to "
                    + "asterisk and elastix groups only; ignored in this avaya group",
                "conf/groups/sales.properties:7: warning: avaya.switch = \"CM1\": this key applies to avaya groups only; "
                    + "ignored in this asterisk group",
            ])
    }

    @Test func crmPolicies() throws {
        let global = try ConfDirectory(
            global: "crm.sink = none\ncrm.zoho.missed = permember\ncrm.internal = send\ncrm.concurrency = 3\n"
                + "crm.webhook.batch = 50\n"
        )
        .load().global
        #expect(global.webhookBatch == 50)
        #expect(global.zohoMissed == .permember)
        #expect(global.internalCalls == .send)
        #expect(global.crmConcurrency == 3)
        let defaults = try ConfDirectory().load().global
        #expect(defaults.zohoMissed == .percall)
        #expect(defaults.internalCalls == .skip)
        #expect(defaults.crmConcurrency == 8)
        #expect(defaults.webhookBatch == 1)
        #expect(throws: ZTICoreError.self) {
            try ConfDirectory(global: "crm.sink = none\ncrm.webhook.batch = 0\n").load()
        }
    }
}
