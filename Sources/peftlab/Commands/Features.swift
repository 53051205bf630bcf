import ArgumentParser
import Foundation
import PEFTOrchestrator
import PEFTReports

extension PEFTLab {
    /// `peftlab features`: cache a dataset's CLIP embeddings under a backbone.
    struct Features: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compute and cache the CLIP image and text embeddings of a dataset under a frozen backbone.",
            discussion: """
                Embeddings land in feature_cache (layer -1), keyed by backbone hash, preprocessing and input hash, \
                so every linear-probe run with feature clip_image / clip_text / clip_joint / clip_product reuses \
                them. Runs compute missing ones themselves; this command does it once, up front, with progress.

                Example:
                  peftlab features --dataset sarcasm --backbone peftlab-quickstart/backbone
                """)

        @OptionGroup var database: DatabaseOptions
        @Option(help: "Dataset name in the database.") var dataset: String
        @Option(help: ArgumentHelp("CLIP directory in the Hugging Face layout, or peftlab:tiny / peftlab:small.",
                                   valueName: "dir")) var backbone: String

        func run() throws {
            try requireBLAS()
            let store = try database.open()
            let features = try CLIPFeatures(store: store, backboneDirectory: BackboneReference.resolve(backbone, storePath: store.path))
            let board = ProgressBoard()
            let start = Date()
            let computed = try features.ensure(dataset: dataset) { done, total in
                board.update("features", "embedding: \(done)/\(total) "
                             + ProgressBoard.rateAndETA(rate: Double(done) / max(Date().timeIntervalSince(start), 1e-9),
                                                        remaining: total - done))
            }
            board.close()
            printOut("\(dataset): \(computed) embeddings computed for backbone \(features.backboneHash.prefix(12)) "
                     + String(format: "in %.1f s", Date().timeIntervalSince(start)) + " (the rest were cached)\n")
        }
    }
}
