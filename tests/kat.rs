//! Random123's known-answer vectors, read from the data file itself.
use cbrng::kat;

#[test]
fn random123_known_answers_all_pass() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/random123_kat_vectors.txt"
    );
    let text = std::fs::read_to_string(path).expect("KAT file is part of the repository");
    let report = kat::check_text(&text, path).unwrap();
    assert!(report.failures.is_empty(), "{:#?}", report.failures);
    // 8 generators x (7/10 rounds for Philox, 13/20/72 for Threefry) x 3 vectors.
    assert_eq!(report.passed, 2 * 4 * 3 + 3 * 4 * 3);
    assert!(report.skipped > 0, "AES/ARS lines are counted as skipped");
}

#[test]
fn a_corrupted_vector_fails() {
    let good = "philox4x32 10 00000000 00000000 00000000 00000000 00000000 00000000   6627e8d5 e169c58d bc57ac4c 9b00dbd8\n";
    assert_eq!(kat::check_text(good, "x").unwrap().passed, 1);
    let bad = good.replace("9b00dbd8", "9b00dbd9");
    let r = kat::check_text(&bad, "x").unwrap();
    assert_eq!(r.passed, 0);
    assert_eq!(r.failures.len(), 1);
    assert!(kat::check_text("philox4x32 10 zz", "x").is_err());
}
