import RehearseModel
import RehearseResults

extension CaseExecutor {
    /// The request body as a reproduction sends it: text, masked; a body that is not text is
    /// shown as `<N bytes, TYPE>`, which a reader can see is not the real body.
    static func shownBody(_ request: HTTPRequestData, masker: SecretMasker) -> String? {
        guard let body = request.body, !body.isEmpty else { return nil }
        let type = request.headers.value(of: "Content-Type")
        if let placeholder = BodyText.placeholder(body, contentType: type) { return placeholder }
        return masker.excerpt(String(decoding: body, as: UTF8.self), limit: 16_384, note: " (\(body.count) bytes)")
    }
}

extension SecretMasker {
    /// A failed attempt's cause as reports may show it (a transport message can echo a URL).
    func masked(_ attempt: FailedAttempt) -> FailedAttempt {
        FailedAttempt(number: attempt.number, at: attempt.at, cause: mask(attempt.cause))
    }
}
