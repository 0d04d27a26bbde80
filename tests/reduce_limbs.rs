//! The limb form of exact states (what an all-reduce sums): element-wise
//! integer sums of limb forms, in any order and grouping, read back as the
//! merge of the states, equal to an independent big-rational reference; and
//! every out-of-range limb sum is an error, never a value.
#[path = "common/bigref.rs"]
mod bigref;
mod common;
use bigref::{exact_sum, reference};
use cbrng::Error;
use cbrng::reduce::{Accumulator, LIMBS, LIMBS_TAG, MAX_LIMB_STATES, MAX_TERMS};
use common::SplitMix;

/// Adversarial f64 data: huge values that cancel, subnormals, small values
/// lost to naive summation.
fn adversarial(rng: &mut SplitMix, n: usize) -> Vec<f64> {
    let mut xs = Vec::with_capacity(n);
    while xs.len() < n {
        let r = rng.next();
        let x = match r % 6 {
            0 => f64::from_bits(r >> 12 | 0x7fe0_0000_0000_0000), // near f64::MAX
            1 => f64::from_bits(r >> 12),                         // subnormal
            2 => (r >> 11) as f64 * 2f64.powi(-53),
            3 => -xs.last().copied().unwrap_or(1.0),
            _ => f64::from_bits(r & 0x3fff_ffff_ffff_ffff) * if r & 1 == 0 { 1.0 } else { -1.0 },
        };
        if x.is_finite() {
            xs.push(x);
        }
    }
    xs
}

fn add(sum: &mut [i64], limbs: &[i64]) {
    for (s, l) in sum.iter_mut().zip(limbs) {
        *s = s
            .checked_add(*l)
            .expect("a limb sum of a few states cannot overflow");
    }
}

#[test]
fn limb_sums_in_any_grouping_equal_the_merge_and_the_reference() {
    let mut rng = SplitMix(19);
    for case in 0..40 {
        let xs = adversarial(&mut rng, 200 + case * 37);
        let ranks = 1 + (rng.next() % 9) as usize;
        // Uneven contiguous shards, some empty.
        let mut cuts: Vec<usize> = (0..ranks - 1)
            .map(|_| (rng.next() % (xs.len() as u64 + 1)) as usize)
            .collect();
        cuts.push(0);
        cuts.push(xs.len());
        cuts.sort();
        let states: Vec<Accumulator> = cuts
            .windows(2)
            .map(|w| {
                let mut a = Accumulator::new();
                a.add_slice(&xs[w[0]..w[1]]);
                a
            })
            .collect();
        let limbs: Vec<[i64; LIMBS]> = states.iter().map(|s| s.to_limbs()).collect();
        // A "ring": rank order; a "tree": pairs first, in reverse.
        let mut ring = vec![0i64; LIMBS];
        for l in &limbs {
            add(&mut ring, l);
        }
        let mut level: Vec<Vec<i64>> = limbs.iter().rev().map(|l| l.to_vec()).collect();
        while level.len() > 1 {
            level = level
                .chunks(2)
                .map(|p| {
                    let mut s = p[0].clone();
                    if let Some(q) = p.get(1) {
                        add(&mut s, q);
                    }
                    s
                })
                .collect();
        }
        assert_eq!(ring, level[0], "integer sums are associative");
        let got = Accumulator::from_limb_sum(&ring).unwrap();
        let mut merged = Accumulator::new();
        for s in &states {
            merged.merge(s).unwrap();
        }
        assert_eq!(
            got, merged,
            "case {case}: the limb sum reads back as the merge"
        );
        assert_eq!(got.count(), xs.len() as u64);
        let want: f64 = reference(&exact_sum(&xs), 1, false);
        assert_eq!(
            got.finish::<f64>().to_bits(),
            want.to_bits(),
            "case {case}: {ranks} ranks"
        );
        let want32: f32 = reference(&exact_sum(&xs), 1, false);
        assert_eq!(got.finish::<f32>().to_bits(), want32.to_bits());
        // Rows: the same states as rows of one vector.
        let rows = Accumulator::rows_to_limbs(&states);
        assert_eq!(rows.len(), states.len() * LIMBS);
        let back = Accumulator::rows_from_limb_sum(&rows).unwrap();
        assert_eq!(
            back, states,
            "each row reads back as itself (one state per row)"
        );
    }
}

#[test]
fn special_values_and_signed_zero_survive_the_limb_sum() {
    let cases: [(&[&[f64]], u64); 5] = [
        (&[&[f64::NAN], &[1.0]], 0), // NaN: checked by is_nan below
        (&[&[f64::INFINITY], &[f64::NEG_INFINITY]], 0),
        (&[&[f64::INFINITY, 1.0], &[]], f64::INFINITY.to_bits()),
        (&[&[-0.0], &[], &[-0.0, -0.0]], (-0.0f64).to_bits()),
        (&[&[f64::MAX], &[f64::MAX]], f64::INFINITY.to_bits()),
    ];
    for (i, (shards, want)) in cases.iter().enumerate() {
        let mut sum = vec![0i64; LIMBS];
        let mut merged = Accumulator::new();
        for s in shards.iter() {
            let mut a = Accumulator::new();
            a.add_slice(s);
            add(&mut sum, &a.to_limbs());
            merged.merge(&a).unwrap();
        }
        let got = Accumulator::from_limb_sum(&sum).unwrap();
        assert_eq!(got, merged, "case {i}");
        let r: f64 = got.finish();
        if i < 2 {
            assert!(r.is_nan(), "case {i}: NaN, or +inf with -inf, gives NaN");
        } else {
            assert_eq!(r.to_bits(), *want, "case {i}");
        }
    }
}

#[test]
fn the_headroom_holds_the_documented_number_of_states() {
    // The largest digits a state can have: every digit below the sign digit
    // at 2^32 - 1 is reached by a negative value (two's complement).
    let mut a = Accumulator::new();
    a.add_slice(&[-f64::MIN_POSITIVE * 2f64.powi(-52), -1e300, -f64::MAX]);
    let limbs = a.to_limbs();
    assert!(
        limbs[..LIMBS - 8]
            .iter()
            .filter(|&&d| d == 0xffff_ffff)
            .count()
            > 60
    );
    // 2^30 copies of this state, summed: limbs * 2^30 must not overflow.
    let k = MAX_LIMB_STATES;
    let sum: Vec<i64> = limbs
        .iter()
        .map(|&l| l.checked_mul(k).expect("headroom"))
        .collect();
    let got = Accumulator::from_limb_sum(&sum).unwrap();
    // The same by doubling merges: a, 2a, 4a, ... 2^30 a.
    let mut want = a.clone();
    for _ in 0..30 {
        let w = want.clone();
        want.merge(&w).unwrap();
    }
    assert_eq!(got, want);
    assert_eq!(got.count(), 3 << 30);
    // One more state than allowed is refused.
    let mut over = sum.clone();
    add(&mut over, &limbs);
    let e = Accumulator::from_limb_sum(&over).unwrap_err();
    assert!(e.to_string().contains("1 to 2^30 states"), "{e}");
}

fn one_state() -> [i64; LIMBS] {
    let mut a = Accumulator::new();
    a.add_slice(&[1.5f64, -2.0, 1e-310]);
    a.to_limbs()
}

#[test]
fn out_of_range_limb_sums_are_errors() {
    let good = one_state();
    let check = |limbs: &[i64], want: &str| {
        let e = Accumulator::from_limb_sum(limbs).expect_err(want);
        let msg = e.to_string();
        assert!(msg.contains(want), "{msg:?} should mention {want:?}");
        assert!(!msg.contains('\n'), "one line: {msg:?}");
    };
    check(&good[..LIMBS - 1], "143");
    let mut l = good;
    l[LIMBS - 2] = 0;
    check(&l, "not 0");
    let mut l = good;
    l[LIMBS - 1] = LIMBS_TAG + 1;
    check(&l, "layout tag");
    let mut l = good;
    l[3] = 1 << 32;
    check(&l, "digit limb 3");
    let mut l = good;
    l[LIMBS - 9] = -2; // the sign digit of one state is 0 or -1
    check(&l, "digit limb 135");
    let mut l = good;
    l[LIMBS - 8 + 2] = 2; // a NaN flag counted twice by one state
    check(&l, "flag limb");
    let mut l = good;
    l[LIMBS - 8] = -1;
    check(&l, "count limbs");
    // A count past 2^63 over two states is an overflow error.
    let mut big = [0i64; LIMBS];
    big[LIMBS - 8 + 1] = (MAX_TERMS >> 32) as i64; // 2^63 terms ...
    big[LIMBS - 8 + 3] = 1; // ... one of them +inf, the rest zeros
    big[LIMBS - 8 + 5] = 1;
    big[LIMBS - 2] = 1;
    big[LIMBS - 1] = LIMBS_TAG;
    assert!(
        Accumulator::from_limb_sum(&big).is_ok(),
        "2^63 terms is the limit itself"
    );
    let mut two = big;
    add(&mut two, &one_state());
    match Accumulator::from_limb_sum(&two) {
        Err(Error::Overflow { what }) => assert!(what.contains("2^63"), "{what}"),
        other => panic!("expected an overflow error, got {other:?}"),
    }
    // A state that breaks the invariants (a value no count of terms makes).
    let mut l = [0i64; LIMBS];
    l[100] = 5;
    l[LIMBS - 2] = 1;
    l[LIMBS - 1] = LIMBS_TAG;
    assert!(
        Accumulator::from_limb_sum(&l).is_err(),
        "no terms, nonzero value"
    );
    // Rows: a length that is not a multiple of LIMBS.
    assert!(Accumulator::rows_from_limb_sum(&[0; LIMBS + 1]).is_err());
    assert_eq!(Accumulator::rows_from_limb_sum(&[]).unwrap(), vec![]);
}
