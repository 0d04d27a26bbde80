//! The self-check matrix behind `cbrng verify`, as a test: every generator,
//! every (distribution, dtype), slices against the whole stream at offsets
//! that are and are not block-aligned, far into the stream and at its end,
//! against the hand-applied definition, through rand_core, and the limits.
use cbrng::check::{self, Matrix};

#[test]
fn default_matrix_has_no_failures() {
    // One thread per generator (the generators' checks are independent):
    // the debug build's run takes a fraction of the time on several cores.
    let results: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = check::algorithms()
            .into_iter()
            .map(|algo| scope.spawn(move || (algo, check::run_algorithm(algo, &Matrix::DEFAULT))))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut total = 0;
    for (algo, tallies) in results {
        for (c, t) in tallies {
            assert_eq!(t.failed, 0, "{algo} {}: {:#?}", c.name(), t.failures);
            assert!(t.passed > 0, "{algo} {}: no case ran", c.name());
            total += t.passed;
        }
    }
    assert!(total > 1_000_000, "the matrix shrank: {total} cases");
}
