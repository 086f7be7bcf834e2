import Testing
import ZTICore

/// The one-line listings of `check-config --connect`.
@Suite struct PreflightCheckTests {
    @Test func aLongListingShowsTwentyAndSaysThereIsMore() {
        let items = (101...125).map(String.init)
        #expect(
            PreflightCheck.listing(items, separator: ", ")
                == (101...120).map(String.init).joined(separator: ", ") + ", …")
        #expect(
            PreflightCheck.listing(Array(items.prefix(20)), separator: "; ") == items.prefix(20).joined(separator: "; ")
        )
        #expect(PreflightCheck.listing(["101"], separator: ", ") == "101")
    }
}
