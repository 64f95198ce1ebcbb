//! What /proc says about a process and the machine: CPU time (utime + stime), peak and
//! current RSS, load average, and machine-wide busy CPU (to tell how loaded it was).
use std::time::Duration;

/// Clock ticks per second for /proc times (`getconf CLK_TCK`; 100 on Linux).
pub fn clk_tck() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100)
}

/// utime + stime of `pid` ("self" for this process).
pub fn cpu_time(pid: &str) -> Duration {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return Duration::ZERO;
    };
    // Fields after the command name, which is in parentheses and may contain spaces.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let f: Vec<&str> = rest.split_whitespace().collect();
    // rest[0] is field 3 (state); utime is field 14, stime 15.
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|&i| f.get(i).and_then(|v| v.parse::<u64>().ok()))
        .sum();
    Duration::from_nanos(ticks * 1_000_000_000 / clk_tck_cached())
}

fn clk_tck_cached() -> u64 {
    static TCK: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TCK.get_or_init(clk_tck)
}

/// A `kB` field of /proc/<pid>/status (VmHWM, VmRSS), in bytes.
pub fn status_bytes(pid: &str, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .unwrap_or(0)
        * 1024
}

/// Peak and current RSS, and what the current RSS is made of, in MB.
pub fn memory(pid: u32) -> serde_json::Value {
    let pid = pid.to_string();
    let mb = |field: &str| (status_bytes(&pid, field) as f64 / 104_857.6).round() / 10.0;
    serde_json::json!({
        "peak_rss_mb": mb("VmHWM:"),
        "rss_mb": mb("VmRSS:"),
        "anon_mb": mb("RssAnon:"),
        "file_mb": mb("RssFile:"),
        "shmem_mb": mb("RssShmem:"),
    })
}

/// The 1-, 5- and 15-minute load averages.
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// Machine-wide (busy, total) jiffies from the `cpu` line of /proc/stat.
pub fn machine_jiffies() -> (u64, u64) {
    let s = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let line = s.lines().next().unwrap_or_default();
    let v: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    let total: u64 = v.iter().take(8).sum();
    let idle = v.get(3).copied().unwrap_or(0) + v.get(4).copied().unwrap_or(0);
    (total - idle, total)
}

/// CPU time of every PostgreSQL server process on the machine (`comm` is `postgres`):
/// with `--store postgres`, the database's share of the work.
pub fn database_cpu() -> Duration {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Duration::ZERO;
    };
    dir.filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|p| p.bytes().all(|b| b.is_ascii_digit()))
        .filter(|p| {
            std::fs::read_to_string(format!("/proc/{p}/comm")).is_ok_and(|c| c.trim() == "postgres")
        })
        .map(|p| cpu_time(&p))
        .sum()
}

/// CPU time of `pid` and machine busy time between two samples.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    pub herald: Duration,
    pub receiver: Duration,
    pub generator: Duration,
    pub database: Duration,
    pub machine_busy: Duration,
    pub at: std::time::Instant,
}

impl Sample {
    /// Herald's (every instance running), the receiver's, this process's, PostgreSQL's
    /// and the machine's.
    pub fn take(heralds: &[u32], receiver: u32) -> Sample {
        let (busy, _) = machine_jiffies();
        Sample {
            herald: heralds.iter().map(|p| cpu_time(&p.to_string())).sum(),
            receiver: cpu_time(&receiver.to_string()),
            database: database_cpu(),
            generator: cpu_time("self"),
            machine_busy: Duration::from_nanos(busy * 1_000_000_000 / clk_tck_cached()),
            at: std::time::Instant::now(),
        }
    }
}

/// What happened between two samples.
#[derive(Clone, Copy, Debug, Default)]
pub struct Usage {
    pub secs: f64,
    pub herald_cpu: f64,
    pub receiver_cpu: f64,
    pub generator_cpu: f64,
    /// PostgreSQL's server processes (zero on SQLite).
    pub database_cpu: f64,
    /// Busy CPU seconds of everything else on the machine (other builds, browsers).
    pub other_cpu: f64,
}

pub fn between(a: &Sample, b: &Sample) -> Usage {
    let d = |x: Duration, y: Duration| y.saturating_sub(x).as_secs_f64();
    let herald_cpu = d(a.herald, b.herald);
    let receiver_cpu = d(a.receiver, b.receiver);
    let generator_cpu = d(a.generator, b.generator);
    let database_cpu = d(a.database, b.database);
    let busy = d(a.machine_busy, b.machine_busy);
    Usage {
        secs: (b.at - a.at).as_secs_f64(),
        herald_cpu,
        receiver_cpu,
        generator_cpu,
        database_cpu,
        other_cpu: (busy - herald_cpu - receiver_cpu - generator_cpu - database_cpu).max(0.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_self() {
        let mut x = 0u64;
        for i in 0..5_000_000u64 {
            x = x.wrapping_add(i * i);
        }
        assert!(x > 0);
        assert!(status_bytes("self", "VmHWM:") > 0);
        let (busy, total) = machine_jiffies();
        assert!(total >= busy);
        let _ = cpu_time("self");
    }
}
