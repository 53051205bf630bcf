import ArgumentParser
import Foundation
import PEFTCLIP
import PEFTData
import PEFTStore

extension PEFTLab {
    /// `peftlab datasets`: the built-in, procedurally generated datasets.
    struct Datasets: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate the built-in datasets (no downloads): sarcasm, sentiment, dialog.",
            discussion: """
                Example:
                  peftlab datasets list
                  peftlab datasets make sarcasm --out data/sarcasm --ingest
                """,
            subcommands: [Make.self, List.self])

        /// `peftlab datasets make NAME --out DIR`.
        struct Make: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Write a built-in dataset as real JPEG/PNG files plus manifest.jsonl (and optionally ingest it).",
                discussion: """
                    Deterministic: the same name, size and seed give byte-identical files.

                    Examples:
                      peftlab datasets make sarcasm --out data/sarcasm
                      peftlab datasets make sentiment --out data/sentiment --size large --seed 7 --ingest
                    """)

            @OptionGroup var database: DatabaseOptions

            @Argument(help: "Dataset: sarcasm, sentiment or dialog.")
            var name: String

            @Option(help: ArgumentHelp("Output directory (created if needed).", valueName: "dir"))
            var out: String

            @Option(help: "small (a few hundred examples, the default) or large (10×).")
            var size = "small"

            @Option(help: "Random seed.")
            var seed: UInt64 = 0

            @Option(help: "Exact number of examples (overrides --size).")
            var examples: Int?

            @Flag(help: "Also ingest the result into the database as dataset NAME (with the bundled CLIP tokenizer).")
            var ingest = false

            func validate() throws {
                let known = BuiltinDatasets.names + [BuiltinDatasets.corpusName]
                guard known.contains(name) else {
                    throw ValidationError("unknown dataset '\(name)': expected one of \(known.joined(separator: ", ")).")
                }
                guard BuiltinDatasetSize(rawValue: size) != nil else {
                    throw ValidationError("--size must be small or large (got '\(size)').")
                }
                if let examples, examples < 1 { throw ValidationError("--examples must be at least 1 (got \(examples)).") }
            }

            func run() throws {
                let made = try BuiltinDatasets.make(name, into: URL(fileURLWithPath: out),
                                                    size: BuiltinDatasetSize(rawValue: size) ?? .small,
                                                    seed: seed, examples: examples)
                let order = ["train": 0, "val": 1, "test": 2]
                let splits = made.splits.sorted { (order[$0.key] ?? 3, $0.key) < (order[$1.key] ?? 3, $1.key) }
                    .map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                let positives = made.positives.map { ", \($0) positive" } ?? ""
                printOut("\(made.name): \(made.examples) examples (\(splits)\(positives)), \(made.images) images in \(out)\n")
                guard ingest else {
                    let flags = made.ingestFlags.joined(separator: " ")
                    printOut("ingest with: peftlab ingest \(name) --manifest \(made.manifest.path) \(flags)\n")
                    return
                }
                var options = IngestOptions()
                options.mapping = made.mapping
                let store = try database.open(create: true)
                let summary = try Ingestor(store: store, tokenizer: try CLIPTokenizer.bundled())
                    .ingest(dataset: name, manifest: made.manifest, options: options)
                printOut(summary.description + "\n")
            }
        }

        /// `peftlab datasets list`.
        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List the built-in datasets and their sizes.",
                discussion: "Example:\n  peftlab datasets list")

            func run() throws {
                let about = [
                    "sarcasm": "image + caption; label 1 when caption and scene sentiment disagree (~44 %)",
                    "sentiment": "utterance + face + 8x16 audio features; score in [-3, 3], 7-class label",
                    "dialog": "2-4-turn dialogue + the image shared next + 4 distractors (retrieval)",
                    BuiltinDatasets.corpusName: "scene + caption naming objects, colour, count, position, backdrop (CLIP pretraining)",
                ]
                for name in BuiltinDatasets.names + [BuiltinDatasets.corpusName] {
                    let small = BuiltinDatasets.smallCounts[name] ?? 0
                    printOut(name.padding(toLength: 10, withPad: " ", startingAt: 0)
                             + "small \(small), large \(small * 10)  \(about[name] ?? "")\n")
                }
            }
        }
    }
}
