import QMPCore

/// The simulated machine: run state, block nodes and jobs.
struct MachineState {
    var running = true
    var nodes: Set<String> = []
    var jobs: Set<String> = []
    var fdNames: Set<String> = []
}
