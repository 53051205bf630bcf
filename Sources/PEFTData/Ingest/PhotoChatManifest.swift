import Foundation

/// PhotoChat's own files (google-research `multimodalchat/photochat/`: `train/train_00.json` …, `dev/dev_00.json`,
/// `test/test_00.json`): a JSON array of dialogues, each with `dialogue` (turns `{message, share_photo, user_id}`;
/// the sharing turn has `share_photo: true`), `dialogue_id`, `photo_id` (an Open Images id such as
/// `train/624e5f6…`, the image `<images>/<photo_id>.jpg`), `photo_description` and `photo_url`.
///
/// Each dialogue becomes one image-retrieval row: `text` the turns before the share, one line each as
/// `A: message` / `B: message` (user 0 / 1; empty messages dropped), `retrieval: image`, and `split` from the file
/// name (`train_*` → train, `dev_*` → val, `test_*` → test; other names: train). The other fields are kept as they
/// are (`photo_description` and `photo_url` land in `extra_json`). A malformed dialogue becomes a row with a
/// `parseError` naming its field (`dialogue[3].message`), so ingest quarantines it and goes on with the rest;
/// rows are numbered by dialogue (1-based), as for MMSD2.0 arrays.
enum PhotoChatManifest {
    /// The rows of a PhotoChat file's top-level array.
    static func rows(_ items: [JSONValue], path: String) -> [ManifestRow] {
        let split = self.split(path: path)
        return items.enumerated().map { index, item in
            switch row(item, split: split) {
            case .success(let fields): return ManifestRow(line: index + 1, fields: fields, parseError: nil)
            case .failure(let problem):
                return ManifestRow(line: index + 1, fields: [:], parseError: problem.reason, errorField: problem.field)
            }
        }
    }

    /// The split a PhotoChat file name implies.
    static func split(path: String) -> String {
        let name = URL(fileURLWithPath: path).lastPathComponent.lowercased()
        if name.hasPrefix("dev") || name.hasPrefix("val") { return "val" }
        if name.hasPrefix("test") { return "test" }
        return "train"
    }

    private static func row(_ item: JSONValue, split: String) -> Result<[String: JSONValue], RowProblem> {
        guard case .object(var fields) = item else {
            return .failure(RowProblem(field: nil, reason: "expected a PhotoChat dialogue object, found \(item.summary)"))
        }
        guard case .array(let turns)? = fields["dialogue"] else {
            let found = fields["dialogue"].map { "found \($0.summary)" } ?? "missing"
            return .failure(RowProblem(field: "dialogue", reason: "field 'dialogue' must be a list of turns (\(found))"))
        }
        var context: [String] = []
        var shared = false
        for (i, turn) in turns.enumerated() {
            let field = "dialogue[\(i)]"
            guard case .object(let parts) = turn else {
                return .failure(RowProblem(field: field, reason: "field '\(field)' must be a turn object (found \(turn.summary))"))
            }
            if let flag = parts["share_photo"], flag != .bool(false) {
                guard flag == .bool(true) else {
                    return .failure(RowProblem(field: "\(field).share_photo",
                                               reason: "field '\(field).share_photo' must be true or false (found \(flag.summary))"))
                }
                shared = true
                break
            }
            guard case .string(let message)? = parts["message"] else {
                let found = parts["message"].map { "found \($0.summary)" } ?? "missing"
                return .failure(RowProblem(field: "\(field).message", reason: "field '\(field).message' must be text (\(found))"))
            }
            let user = parts["user_id"]
            guard user == nil || user == .int(0) || user == .int(1) else {
                return .failure(RowProblem(field: "\(field).user_id",
                                           reason: "field '\(field).user_id' must be 0 or 1 (found \(user!.summary))"))
            }
            let text = message.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n", with: " ")
            if !text.isEmpty { context.append((user == .int(1) ? "B: " : "A: ") + text) }
        }
        guard shared else {
            return .failure(RowProblem(field: "dialogue", reason: "field 'dialogue' has no turn with share_photo: true"))
        }
        guard !context.isEmpty else {
            return .failure(RowProblem(field: "dialogue", reason: "field 'dialogue' has no message before the photo is shared"))
        }
        fields["dialogue"] = nil
        fields["text"] = .string(context.joined(separator: "\n"))
        fields["retrieval"] = .string("image")
        if fields["split"] == nil { fields["split"] = .string(split) }
        return .success(fields)
    }
}
