//! Resident memory of this process, from Linux's `/proc/self/status`.

/// `VmRSS` (current resident set) in KiB, if the kernel reports it.
pub fn current_kib() -> Option<u64> {
    status_field("VmRSS:")
}

/// `VmHWM` (peak resident set, the high-water mark) in KiB.
pub fn peak_kib() -> Option<u64> {
    status_field("VmHWM:")
}

fn status_field(name: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(name))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
}
