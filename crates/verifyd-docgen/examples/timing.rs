//! Times rendering and photographing each kind: `cargo run --release --example timing`.

/// CPU time this process has run, from /proc/self/schedstat (robust on a busy machine),
/// falling back to wall time elsewhere.
struct Instant(f64);

impl Instant {
    fn now() -> Instant {
        let cpu = std::fs::read_to_string("/proc/self/schedstat")
            .ok()
            .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
            .map(|ns| ns / 1e9);
        Instant(cpu.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs_f64())
                .unwrap_or(0.0)
        }))
    }
    fn elapsed(&self) -> std::time::Duration {
        std::time::Duration::from_secs_f64((Instant::now().0 - self.0).max(0.0))
    }
}

use rand::rngs::StdRng;
use rand::SeedableRng;
use verifyd_docgen::{photograph, random_photo, random_spec, render, Difficulty, DocumentKind};

fn main() {
    let mut rng = StdRng::seed_from_u64(7);
    verifyd_docgen::fonts::check().expect("fonts");
    for difficulty in [Difficulty::Easy, Difficulty::Typical, Difficulty::Hard] {
        let (mut tr, mut tp, mut n, mut px) = (0.0, 0.0, 0, 0u64);
        for i in 0..14 {
            let kind = DocumentKind::ALL[i % 7];
            let spec = random_spec(kind, &mut rng);
            let t = Instant::now();
            let doc = render(&spec, &mut rng);
            tr += t.elapsed().as_secs_f64();
            let photo = random_photo(&mut rng, difficulty);
            px += (photo.output_width as u64).pow(2) * 3 / 4;
            let t = Instant::now();
            let jpeg = photograph(doc.code_side(), &photo, &mut rng);
            tp += t.elapsed().as_secs_f64();
            assert!(!jpeg.is_empty());
            n += 1;
        }
        println!(
            "{difficulty:?}: render {:.0} ms/doc, photograph {:.0} ms/photo (mean {:.1} MP)",
            tr / n as f64 * 1000.0,
            tp / n as f64 * 1000.0,
            px as f64 / n as f64 / 1e6
        );
    }
}
