/// Conditional requests for http steps with `save:`: the server is one of
/// such a step's inputs, and no key can cover it. So a step that would be
/// up to date asks the server with the validators of the response it saved
/// (`If-None-Match`, `If-Modified-Since`), as `curl -z` and `wget -N` do; a
/// 304 keeps it up to date, anything else is a run. The validators are sent
/// only while the saved file still has the digest it had when saved: a 304
/// says nothing about a file that was changed or removed since.
extension IncrementalEngine {
    /// What a 304 is reported as.
    static let notModifiedReason = "server says not modified (304)"

    /// The step as an http GET that saves its body, or nil.
    static func download(_ resolved: Step) -> (step: HTTPStep, savePath: String)? {
        guard let http = resolved.action as? HTTPStep, http.method == "GET", let savePath = http.savePath else { return nil }
        return (http, savePath)
    }

    /// The verdict for a download whose key and outputs are as recorded:
    /// ask the server (with the validators), or run it again when they
    /// cannot be used.
    func revalidation(
        of download: (step: HTTPStep, savePath: String), previous: StepRunRecord, folder: String
    ) -> (UpToDateDecision.Verdict, HTTPConditionalRequest?) {
        let target = StepContext.resolve(download.savePath, against: folder)
        guard let saved = previous.savedResponse, saved.path == target else {
            return (.run(reason: "its last response had no ETag or Last-Modified to ask the server with"), nil)
        }
        guard let stat = FileStat.of(target) else { return (.run(reason: "output \(download.savePath) missing"), nil) }
        guard digest(ofFile: target, stat: stat) == saved.digest else { return (.run(reason: "output \(download.savePath) changed"), nil) }
        return (.run(reason: "asking the server whether \(download.savePath) changed (\(saved.validators.summary))"), saved.validators)
    }

    /// What to remember of a successful download: the response's
    /// validators and the saved file's digest; nil for other steps, and
    /// when the server sent no validators.
    func savedResponse(of resolved: Step, outputs: StepOutputs, folder: String) -> SavedResponse? {
        guard let download = Self.download(resolved), case .object(let headers)? = outputs["headers"],
            let validators = HTTPConditionalRequest(responseHeaders: headers)
        else { return nil }
        let target = StepContext.resolve(download.savePath, against: folder)
        guard let stat = FileStat.of(target), let digest = digest(ofFile: target, stat: stat) else { return nil }
        return SavedResponse(validators: validators, path: target, digest: digest)
    }

    /// The server answered 304 to the conditional request: the step is up
    /// to date, its recorded outputs stand, and new validators the 304 sent
    /// (a server may revise them) replace the old. Blocking.
    func acceptNotModified(_ evaluation: Evaluation, responseOutputs: StepOutputs) -> StepOutputs {
        let outputs = acceptUpToDate(evaluation)
        if var record = evaluation.previous, let saved = record.savedResponse, case .object(let headers)? = responseOutputs["headers"],
            let sent = HTTPConditionalRequest(responseHeaders: headers)
        {
            let revised = HTTPConditionalRequest(etag: sent.etag ?? saved.validators.etag, lastModified: sent.lastModified ?? saved.validators.lastModified)
            if revised != saved.validators {
                record.savedResponse?.validators = revised
                try? cache.store(record, sources: evaluation.key?.sources ?? [], pipelineFile: pipelineFile)
            }
        }
        return outputs
    }
}
