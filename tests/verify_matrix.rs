//! The self-check matrix behind `cbrng verify`, as a test: every generator,
//! every (distribution, dtype), slices against the whole stream at offsets
//! that are and are not block-aligned, far into the stream and at its end,
//! against the hand-applied definition, through rand_core, and the limits.
use cbrng::check::{self, Matrix};

#[test]
fn default_matrix_has_no_failures() {
    let mut total = 0;
    for algo in check::algorithms() {
        for (c, t) in check::run_algorithm(algo, &Matrix::DEFAULT) {
            assert_eq!(t.failed, 0, "{algo} {}: {:#?}", c.name(), t.failures);
            assert!(t.passed > 0, "{algo} {}: no case ran", c.name());
            total += t.passed;
        }
    }
    assert!(total > 1_000_000, "the matrix shrank: {total} cases");
}
