import Testing
import ZTIAvaya

struct DMCCDocumentSplitterTests {
    @Test func documentsSplitAtTheEndOfTheirRootWhateverTheLayout() {
        let text = """
            <?xml version="1.0"?><a x="1"><b/><!-- <c> --><d>t</d></a>
            <e/><f><g><h/></g></f>  <?xml version="1.0"?>
            <i>unfinished
            """
        let (documents, rest) = DMCCDocumentSplitter.split(Array(text.utf8))
        let shown = documents.map { String(decoding: $0, as: UTF8.self).trimmingCharactersInWhitespace }
        #expect(
            shown == [
                #"<?xml version="1.0"?><a x="1"><b/><!-- <c> --><d>t</d></a>"#, "<e/>", "<f><g><h/></g></f>",
            ])
        #expect(String(decoding: rest, as: UTF8.self).contains("<i>unfinished"))
    }
}

extension String {
    fileprivate var trimmingCharactersInWhitespace: String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
