import ArgumentParser
import Foundation
import PEFTCLIP
import PEFTMethods
import PEFTReports

extension PEFTLab {
    /// `peftlab methods [NAME]`: the PEFT methods this build can train, from the method registry.
    struct Methods: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the PEFT methods specs may name, with their settings and defaults; or show one with an example spec.",
            discussion: """
                Parameter counts are the method's own trainable parameters (without the task head) with its defaults \
                on a ViT-B/32 CLIP (151,277,313 parameters).

                Examples:
                  peftlab methods
                  peftlab methods lora > lora.yaml.example
                """)

        @Argument(help: ArgumentHelp("A method to show in full (its settings, allowed values and an example spec).", valueName: "name"))
        var name: String?

        func validate() throws {
            if let name, MethodRegistry.standard[name] == nil {
                throw ValidationError("unknown method '\(name)'; this build can train: \(MethodRegistry.standard.names.joined(separator: ", ")).")
            }
        }

        func run() throws {
            let registry = MethodRegistry.standard
            let total = CLIPConfig().parameterCount
            func share(_ count: Int) -> String { String(format: "%.3f %%", 100 * Double(count) / Double(total)) }
            func grouped(_ count: Int) -> String {
                var digits = String(count), parts: [String] = []
                while digits.count > 3 { parts.insert(String(digits.suffix(3)), at: 0); digits.removeLast(3) }
                return ([digits] + parts).joined(separator: ",")
            }
            guard let name, let method = registry[name] else {
                let rows = registry.names.compactMap { registry[$0] }.map { method -> [TextTable.Cell] in
                    [TextTable.Cell(method.name), TextTable.Cell(grouped(method.defaultParameterCount()), kind: .number),
                     TextTable.Cell(TaskKind.allCases.filter(method.tasks.contains).map(\.rawValue).joined(separator: ", ")),
                     TextTable.Cell(method.defaultsSummary.isEmpty ? "-" : method.defaultsSummary), TextTable.Cell(method.summary)]
                }
                printOut(TextTable(columns: ["method", "ViT-B/32", "tasks", "settings (defaults)", "summary"], rows: rows).renderText())
                printOut("Show one with its allowed values and an example spec: peftlab methods NAME\n")
                return
            }
            let count = method.defaultParameterCount()
            printOut("""
                \(method.name): \(method.summary)
                trains: \(method.trains)
                tasks: \(TaskKind.allCases.filter(method.tasks.contains).map(\.rawValue).joined(separator: ", "))
                parameters with the defaults at ViT-B/32: \(grouped(count)) (\(share(count)) of \(grouped(total)))


                """)
            let rows = method.parameters.map { p in
                [TextTable.Cell(p.name), TextTable.Cell(MethodDescriptor.flow(p.defaultValue)), TextTable.Cell(p.kind.description),
                 TextTable.Cell(p.help)]
            }
            if !rows.isEmpty { printOut(TextTable(columns: ["setting", "default", "allowed", "meaning"], rows: rows).renderText() + "\n") }
            printOut("Example spec (peftlab queue FILE):\n\n\(method.exampleSpec())\n")
        }
    }
}
