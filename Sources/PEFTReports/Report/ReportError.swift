/// Why a report cannot be made; each reads as one sentence saying what to change.
public enum ReportError: Error, CustomStringConvertible, Equatable {
    case unknownExperiment(String, known: [String])
    case unknownMetric(String, known: [String])
    case badBaseline(String)
    case baselineNotFound(String, experiments: [String])
    case baselineAmbiguous(String, experiment: String, matches: [String])
    case noExperiments

    public var description: String {
        switch self {
        case .unknownExperiment(let name, let known):
            return "no experiment named '\(name)' in this database (it has: \(known.isEmpty ? "none" : known.joined(separator: ", ")))"
        case .unknownMetric(let name, let known):
            return "--metric '\(name)' is not a metric PEFTLab records or can recompute (known: \(known.joined(separator: ", ")))"
        case .badBaseline(let text):
            return "--baseline '\(text)' is not KEY=VALUE: name a config value, e.g. --baseline method.name=linear-probe"
        case .baselineNotFound(let condition, let experiments):
            return "no configuration with \(condition) in \(experiments.joined(separator: ", ")): check the key "
                + "(a dotted path of runs.config_json, e.g. method.name) and its value"
        case .baselineAmbiguous(let condition, let experiment, let matches):
            return "\(condition) matches \(matches.count) configurations in '\(experiment)' (\(matches.joined(separator: "; "))): "
                + "add another --baseline KEY=VALUE to pick one"
        case .noExperiments:
            return "this database has no experiments yet: queue one with `peftlab queue SPEC.yaml` and train it with `peftlab work`"
        }
    }
}
