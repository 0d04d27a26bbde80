// The measurements that chose the permutation's parameters (src/shuffle.rs,
// "Quality, and why 12 rounds and 8 bits"): a standalone program, not part
// of the build (cargo does not compile files under tests/data/).
//
//   rustc -O tests/data/shuffle_rounds.rs -o /tmp/shuffle_rounds
//   /tmp/shuffle_rounds KIND ROUNDS MIN_BITS KEYS [KEY_SET]
//
// KIND 0 is the shipped round function F(v, k, w) = top w bits of lo ^ hi
// of (v ^ k) * PHILOX_M2X32_0; 1, 2 and 4 are the alternatives tried (v at
// the top of the word; two folds; a fold, an xorshift and a second
// multiply). Round keys are independent SplitMix64 outputs (KEY_SET picks
// the sequence). Per n it prints p-values: positions / pair (0,1) / fixed
// points (as tests/shuffle.rs computes them), and the smallest of all.
// Runs behind the docs: `0 8 8 100000` (fails: n 1000, 1025), `0 12 8
// 100000`, `0 10 8 100000`, `0 12 8 300000` with key sets 0, 5, 9, `0 16 8
// 300000`, and `0 8 2` / `0 12 2` (1- to 3-bit halves fail).
const M: u32 = 0xD256_D193;
static mut BMIN: u32 = 2;
fn sm(s: &mut u64) -> u64 { *s = s.wrapping_add(0x9e3779b97f4a7c15); let mut z=*s; z=(z^(z>>30)).wrapping_mul(0xbf58476d1ce4e5b9); z=(z^(z>>27)).wrapping_mul(0x94d049bb133111eb); z^(z>>31)}
#[inline(always)] fn fold(u: u32) -> u32 { let p = u as u64 * M as u64; (p as u32) ^ ((p>>32) as u32) }
fn f(kind: u32, v: u32, k: u32, win: u32, wout: u32) -> u32 {
  match kind {
    0 => fold(v ^ k) >> (32 - wout),
    1 => fold((v << (32 - win)) ^ k) >> (32 - wout),
    2 => fold(fold(v ^ k) ^ k.rotate_left(16)) >> (32 - wout),
    3 => { let u = (v ^ k) as u64 * M as u64; ((u >> (32 - wout/2 - 0)) as u32) >> (32 - wout) } // placeholder
    4 => { let x = fold(v ^ k); (x ^ (x >> 16)).wrapping_mul(M) >> (32 - wout) }
    _ => 0 }
}
fn perm_index(kind:u32, rounds: usize, keys:&[u32], n:u64, i:u64)->u64 {
  let b = (64 - (n-1).leading_zeros()).max(unsafe { BMIN }); let l_ = b/2; let r_ = b - l_;
  let e = |x:u64| { let mut l=(x>>r_) as u32; let mut r=(x & ((1u64<<r_)-1)) as u32;
    for j in 0..rounds { if j%2==0 { l ^= f(kind, r, keys[j], r_, l_) } else { r ^= f(kind, l, keys[j], l_, r_) } }
    ((l as u64)<<r_)|r as u64 };
  let mut y = e(i); while y >= n { y = e(y) } y }
fn lgam(x:f64)->f64{ let g=[0.99999999999980993,676.5203681218851,-1259.1392167224028,771.32342877765313,-176.61501916214059,12.507343278686905,-0.13857109526572012,9.9843695780195716e-6,1.5056327351493116e-7]; let x=x-1.0; let mut a=g[0]; let t=x+7.5; for i in 1..9 {a+=g[i]/(x+i as f64)}; 0.5*(2.0*std::f64::consts::PI).ln()+(x+0.5)*t.ln()-t+a.ln()}
fn sf(x:f64,df:f64)->f64{ let a=df/2.0; let x=x/2.0; if x<=0.0 {return 1.0} let lead=(a*x.ln()-x-lgam(a)).exp(); if x<a+1.0 { let(mut s,mut t,mut ap)=(1.0/a,1.0/a,a); for _ in 0..100000 {ap+=1.0;t*=x/ap;s+=t; if t.abs()<s.abs()*1e-15{break}} 1.0-s*lead } else { let tiny=1e-300; let mut b=x+1.0-a; let mut c=1.0/tiny; let mut d=1.0/b; let mut h=d; for i in 1..100000 { let an=-(i as f64)*(i as f64-a); b+=2.0; d=an*d+b; if d.abs()<tiny{d=tiny} c=b+an/c; if c.abs()<tiny{c=tiny} d=1.0/d; let del=d*c; h*=del; if (del-1.0).abs()<1e-15{break}} lead*h } }
fn main(){
  let args: Vec<String> = std::env::args().collect();
  unsafe { BMIN = args[3].parse().unwrap(); }
  let kind: u32 = args[1].parse().unwrap(); let rounds: usize = args[2].parse().unwrap();
  let keys_n: u64 = args[4].parse().unwrap();
  let mut worst = 1.0f64;
  let mut line = String::new();
  for &n in &[2u64,3,5,8,16,33,64,100,255,256,257,300,1000,1025] {
    let mut s = 7u64 + n + args.get(5).map_or(0, |a| a.parse::<u64>().unwrap()) * 1_000_003;
    let mut pos = vec![0u64;(n*n) as usize]; let mut pair = vec![0u64;(n*n) as usize]; let mut fx=[0u64;6];
    for _ in 0..keys_n { let keys: Vec<u32> = (0..rounds).map(|_| sm(&mut s) as u32).collect();
      let mut nf=0; let mut o0=0; 
      for i in 0..n { let j = perm_index(kind,rounds,&keys,n,i); if n<=100 {pos[(i*n+j) as usize]+=1;} if i==j {nf+=1} if i==0 {o0=j} if i==1 {pair[(o0*n+j) as usize]+=1}}
      fx[nf.min(5)]+=1; }
    let mut ps = vec![];
    if n<=100 { let e=keys_n as f64/n as f64; let st:f64=pos.iter().map(|&c|(c as f64-e).powi(2)/e).sum(); ps.push(sf(st,((n-1)*(n-1)) as f64)); 
      let cells=(n*(n-1)) as f64; let e=keys_n as f64/cells; let st:f64=(0..n*n).filter(|c| c/n!=c%n).map(|c|(pair[c as usize] as f64-e).powi(2)/e).sum(); ps.push(sf(st,cells-1.0)); }
    if n>=8 { let law=|k:u64|{let mut s=0.0;let mut t=1.0; for j in 0..=(n-k){ if j>0 {t/= -(j as f64)} s+=t } s/(1..=k).map(|x|x as f64).product::<f64>()};
      let mut p:Vec<f64>=(0..5).map(law).collect(); p.push(1.0-p.iter().sum::<f64>());
      let st:f64=fx.iter().zip(&p).map(|(&c,&q)|{let e=q*keys_n as f64;(c as f64-e).powi(2)/e}).sum(); ps.push(sf(st,5.0)); }
    for &p in &ps { worst = worst.min(p) }
    line += &format!("n{}:{} ", n, ps.iter().map(|p| format!("{:.0e}",p)).collect::<Vec<_>>().join("/"));
  }
  println!("kind {kind} rounds {rounds}: worst {worst:.1e} | {line}");
}
