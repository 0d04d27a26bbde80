//! The GPU pass (benches/gpu_pass.sh) without a GPU: its dry run counts every
//! step, their limits fit one device command (590 s of the 600 s), and every
//! GPU suite (tests/gpu_*.rs) has a step; benches/gpu_pack.sh parses.
use std::path::Path;
use std::process::Command;

#[test]
fn the_gpu_pass_fits_one_device_command_and_runs_every_gpu_suite() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("bash")
        .arg("benches/gpu_pass.sh")
        .arg("--dry-run")
        .current_dir(root)
        .output()
        .expect("bash runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "dry run failed:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut sum = 0u64;
    let mut steps = Vec::new();
    for line in text.lines() {
        if let Some(total) = line.strip_prefix("limits: ") {
            let total: u64 = total.trim_end_matches(" s").parse().unwrap();
            assert_eq!(total, sum, "the printed sum is the steps'");
            assert!(total <= 590, "{total} s of limits: over one device command");
        } else {
            let (name, limit) = line.rsplit_once(' ').expect("NAME LIMIT");
            sum += limit.parse::<u64>().unwrap();
            steps.push(name.to_string());
        }
    }
    assert!(sum > 0 && steps.len() >= 20, "{steps:?}");
    for e in std::fs::read_dir(root.join("tests")).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        if let Some(suite) = name
            .strip_prefix("gpu_")
            .and_then(|s| s.strip_suffix(".rs"))
        {
            let suite = format!("gpu_{suite}");
            assert!(
                steps.iter().any(|s| s.starts_with(&suite)),
                "tests/{name} has no step in benches/gpu_pass.sh"
            );
        }
    }
    // The program-level GPU checks and the Python package's.
    for s in [
        "compat-engine-cli",
        "jax-gpu-normal",
        "python-gpu",
        "verify-long",
        "bench",
    ] {
        assert!(steps.iter().any(|x| x == s), "no step {s}");
    }
    let pack = Command::new("bash")
        .args(["-n", "benches/gpu_pack.sh"])
        .current_dir(root)
        .status()
        .unwrap();
    assert!(pack.success(), "benches/gpu_pack.sh does not parse");
}
