//! End-to-end measurement of `MrzReader::read` on synthetic document photos.
//!
//! Two sets, split by seed: `tune` (seeds 1 000 000 + i) is for development; `test` (seeds
//! 2 000 000 + i) is held out and only reported. Each seed fixes the layout (TD3 40 %,
//! TD1 40 %, TD2 20 %), the text and the photo (cap height 14–40 px, rotation ±8°,
//! perspective, blur σ 0–1.5, noise, JPEG q 40–90, 30 % whole photos with background, 15 %
//! upside down). Reported: MRZ found rate, per-character accuracy, exact lines, whole MRZ
//! right before and after check-digit repair, by bucket; how often the truth is among the
//! alternatives when the best is wrong; time per read. Also the false-positive rate on
//! documents without an MRZ.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use verifyd_vision::mrz::MrzReader;

use crate::mrzgen::{check_digit, fields, Kind, Layout};
use crate::scene::{self, SceneFonts, Shot};

type Candidates = Vec<Vec<Vec<(char, f32)>>>;
/// A substitution: (line, position) and the candidate index chosen there.
type Change = ((usize, usize), usize);

/// Type-constrained best reading plus check-digit-confirmed repairs, like the MRZ parser.
pub fn repair(reading: &Candidates, layout: Layout) -> Vec<String> {
    let (kinds, checked) = fields(layout);
    // Chosen candidate index per position.
    let mut pick: Vec<Vec<usize>> = reading
        .iter()
        .enumerate()
        .map(|(l, line)| {
            line.iter()
                .enumerate()
                .map(|(i, cands)| {
                    let kind = kinds
                        .get(l)
                        .and_then(|k| k.get(i))
                        .copied()
                        .unwrap_or(Kind::Any);
                    cands.iter().position(|c| kind.allows(c.0)).unwrap_or(0)
                })
                .collect()
        })
        .collect();
    let text = |pick: &Vec<Vec<usize>>| -> Vec<Vec<char>> {
        reading
            .iter()
            .zip(pick)
            .map(|(line, p)| line.iter().zip(p).map(|(c, &i)| c[i].0).collect())
            .collect()
    };
    let mut confirmed: Vec<(usize, usize)> = Vec::new();
    for (f, field) in checked.iter().enumerate() {
        let composite = f == checked.len() - 1;
        let mut positions: Vec<(usize, usize)> = field
            .parts
            .iter()
            .flat_map(|&(l, a, b)| (a..b).map(move |i| (l, i)))
            .filter(|p| !composite || !confirmed.contains(p))
            .collect();
        positions.push(field.digit);
        let valid = |t: &Vec<Vec<char>>| -> bool {
            let s: String = field
                .parts
                .iter()
                .flat_map(|&(l, a, b)| t[l][a..b].iter().copied())
                .collect();
            t[field.digit.0][field.digit.1] == check_digit(&s)
        };
        let current = text(&pick);
        if current.len() != reading.len() || !valid(&current) {
            // Alternatives at each position, allowed by its kind, with their probability ratio.
            let mut alts: Vec<((usize, usize), usize, f32)> = Vec::new();
            for &(l, i) in &positions {
                let Some(cands) = reading.get(l).and_then(|line| line.get(i)) else {
                    continue;
                };
                let cur = cands[pick[l][i]].1;
                for (k, c) in cands.iter().enumerate() {
                    if k != pick[l][i] && kinds[l][i].allows(c.0) {
                        alts.push(((l, i), k, c.1 / cur.max(1e-6)));
                    }
                }
            }
            let mut best: Option<(f32, Vec<Change>)> = None;
            for a in 0..alts.len() {
                let mut trial = pick.clone();
                trial[alts[a].0 .0][alts[a].0 .1] = alts[a].1;
                if valid(&text(&trial)) && best.as_ref().is_none_or(|b| alts[a].2 > b.0) {
                    best = Some((alts[a].2, vec![(alts[a].0, alts[a].1)]));
                }
                for b in a + 1..alts.len() {
                    if alts[b].0 == alts[a].0 {
                        continue;
                    }
                    let score = alts[a].2 * alts[b].2;
                    if best.as_ref().is_some_and(|x| score <= x.0) {
                        continue;
                    }
                    let mut trial2 = trial.clone();
                    trial2[alts[b].0 .0][alts[b].0 .1] = alts[b].1;
                    if valid(&text(&trial2)) {
                        best = Some((score, vec![(alts[a].0, alts[a].1), (alts[b].0, alts[b].1)]));
                    }
                }
            }
            if let Some((_, changes)) = best {
                for ((l, i), k) in changes {
                    pick[l][i] = k;
                }
            }
        }
        if valid(&text(&pick)) {
            confirmed.extend(positions);
        }
    }
    text(&pick)
        .into_iter()
        .map(|l| l.into_iter().collect())
        .collect()
}

#[derive(Default)]
struct Bucket {
    scenes: usize,
    found: usize,
    right_layout: usize,
    chars: usize,
    chars_right: usize,
    lines: usize,
    lines_right: usize,
    mrz_raw: usize,
    mrz_repaired: usize,
    wrong_best: usize,
    wrong_but_listed: usize,
    top_prob_sum: f64,
    times: Vec<Duration>,
}

impl Bucket {
    fn row(&self, name: &str) -> String {
        let pct = |a: usize, b: usize| {
            if b == 0 {
                "–".to_string()
            } else {
                format!("{:.2} %", 100.0 * a as f64 / b as f64)
            }
        };
        let mut times = self.times.clone();
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let mean = times.iter().map(|&d| ms(d)).sum::<f64>() / times.len().max(1) as f64;
        let p95 = times
            .get(times.len() * 95 / 100)
            .map(|&d| ms(d))
            .unwrap_or(0.0);
        format!(
            "| {name} | {} | {} | {} | {} ({}/{}) | {} | {} | {} | {} | {:.3} | {:.0} / {:.0} ms |",
            self.scenes,
            pct(self.found, self.scenes),
            pct(self.right_layout, self.scenes),
            pct(self.chars_right, self.chars),
            self.chars - self.chars_right,
            self.chars,
            pct(self.lines_right, self.lines),
            pct(self.mrz_raw, self.scenes),
            pct(self.mrz_repaired, self.scenes),
            pct(self.wrong_but_listed, self.wrong_best),
            if self.chars_right > 0 {
                self.top_prob_sum / self.chars.max(1) as f64
            } else {
                0.0
            },
            mean,
            p95,
        )
    }
}

pub fn run(args: &HashMap<String, String>) {
    let set = args.get("set").map(String::as_str).unwrap_or("tune");
    let base: u64 = match set {
        "tune" => 1_000_000,
        "test" => 2_000_000,
        other => panic!("--set must be tune or test, not {other}"),
    };
    let count: usize = args
        .get("count")
        .map(|c| c.parse().expect("--count"))
        .unwrap_or(400);
    let negatives: usize = args
        .get("negatives")
        .map(|c| c.parse().expect("--negatives"))
        .unwrap_or(count / 4);
    let verbose = args.contains_key("verbose");
    let reader = match args.get("model") {
        Some(path) => {
            let bytes = std::fs::read(path).expect("--model file");
            let sha = verifyd_vision::models::sha256_hex(&bytes);
            MrzReader::from_weights(&bytes, &sha).expect("model loads")
        }
        None => MrzReader::load().expect("committed model loads"),
    };
    let fonts = SceneFonts::load();
    let mut buckets: Vec<(String, Bucket)> = [
        "all",
        "legible (cap ≥ 20 px, blur σ ≤ 1)",
        "cap < 20 px",
        "cap ≥ 20 px, blur σ > 1",
        "TD1",
        "TD2",
        "TD3",
        "upside down",
        "whole photo",
    ]
    .iter()
    .map(|n| (n.to_string(), Bucket::default()))
    .collect();
    let started = Instant::now();
    for i in 0..count {
        let seed = base + i as u64;
        let mut rng = StdRng::seed_from_u64(seed);
        let layout = match rng.gen_range(0..10) {
            0..=3 => Layout::Td3,
            4..=7 => Layout::Td1,
            _ => Layout::Td2,
        };
        let shot = Shot::random(&mut rng);
        let scene = scene::render(seed, &fonts, layout, shot);
        let t0 = cpu_time();
        let result = reader
            .read(&scene.image, Instant::now() + Duration::from_secs(10))
            .expect("within 10 s");
        let elapsed = cpu_time() - t0;
        let legible = shot.cap >= 20.0 && shot.blur <= 1.0;
        let names: Vec<&str> = vec![
            "all",
            if legible {
                "legible (cap ≥ 20 px, blur σ ≤ 1)"
            } else if shot.cap < 20.0 {
                "cap < 20 px"
            } else {
                "cap ≥ 20 px, blur σ > 1"
            },
            layout.name(),
        ]
        .into_iter()
        .chain(shot.upside_down.then_some("upside down"))
        .chain(shot.whole_photo.then_some("whole photo"))
        .collect();
        let candidates: Option<Candidates> = result.as_ref().map(|r| {
            r.lines
                .iter()
                .map(|l| l.iter().map(|c| c.candidates.clone()).collect())
                .collect()
        });
        let best: Option<Vec<String>> = result.as_ref().map(|r| r.best_lines());
        let repaired = candidates.as_ref().map(|c| repair(c, layout));
        let right_layout = best.as_ref().is_some_and(|b| {
            b.len() == layout.lines() && b.iter().all(|l| l.len() == layout.width())
        });
        for (name, b) in buckets.iter_mut() {
            if !names.contains(&name.as_str()) {
                continue;
            }
            b.scenes += 1;
            b.times.push(elapsed);
            b.found += result.is_some() as usize;
            b.right_layout += right_layout as usize;
            let total: usize = scene.lines.iter().map(|l| l.len()).sum();
            b.chars += total;
            b.lines += scene.lines.len();
            if right_layout {
                let best = best.as_ref().expect("found");
                let cands = candidates.as_ref().expect("found");
                for (l, (truth, read)) in scene.lines.iter().zip(best).enumerate() {
                    b.lines_right += (truth == read) as usize;
                    for (i, (t, r)) in truth.chars().zip(read.chars()).enumerate() {
                        b.top_prob_sum += cands[l][i][0].1 as f64;
                        if t == r {
                            b.chars_right += 1;
                        } else {
                            b.wrong_best += 1;
                            b.wrong_but_listed += cands[l][i].iter().any(|c| c.0 == t) as usize;
                        }
                    }
                }
                b.mrz_raw += (best == &scene.lines) as usize;
                b.mrz_repaired += (repaired.as_ref() == Some(&scene.lines)) as usize;
            }
        }
        if verbose && (!right_layout || best.as_ref() != Some(&scene.lines)) {
            eprintln!(
                "seed {seed} {} cap {:.1} rot {:.1} blur {:.2} noise {:.1} jpeg {:?} upside {} whole {} weight {:.3} sharp {} ({} ms)",
                layout.name(),
                shot.cap,
                shot.rotation_deg,
                shot.blur,
                shot.noise,
                shot.jpeg,
                shot.upside_down,
                shot.whole_photo,
                shot.weight,
                shot.sharp_font,
                elapsed.as_millis()
            );
            match &best {
                None => eprintln!("   not found"),
                Some(b) => {
                    for (t, r) in scene.lines.iter().zip(b) {
                        let marks: String = t
                            .chars()
                            .zip(r.chars().chain(std::iter::repeat(' ')))
                            .map(|(a, b)| if a == b { ' ' } else { '^' })
                            .collect();
                        eprintln!("   truth {t}\n   read  {r}\n         {marks}");
                    }
                    if b.len() != scene.lines.len() {
                        eprintln!("   read {} lines: {b:?}", b.len());
                    }
                }
            }
            if let Some(dir) = args.get("dump") {
                let _ = std::fs::create_dir_all(dir);
                let _ = scene.image.save(format!("{dir}/{seed}.png"));
            }
        }
    }
    // Documents without an MRZ.
    let mut false_positives = 0;
    for i in 0..negatives {
        let seed = base + 500_000 + i as u64;
        let mut rng = StdRng::seed_from_u64(seed);
        let layout = [Layout::Td1, Layout::Td2, Layout::Td3][rng.gen_range(0..3)];
        let shot = Shot {
            no_mrz: true,
            ..Shot::random(&mut rng)
        };
        let scene = scene::render(seed, &fonts, layout, shot);
        let result = reader
            .read(&scene.image, Instant::now() + Duration::from_secs(10))
            .expect("within 10 s");
        if result.is_some() {
            false_positives += 1;
            if verbose {
                eprintln!(
                    "negative seed {seed}: read {:?}",
                    result.map(|r| r.best_lines())
                );
            }
        }
    }
    println!(
        "set {set}: seeds {base}..{} ({count} images) + {negatives} documents without an MRZ (seeds {}..{}), {:.0} s",
        base + count as u64,
        base + 500_000,
        base + 500_000 + negatives as u64,
        started.elapsed().as_secs_f32()
    );
    println!("| bucket | images | MRZ found | right layout | per-character accuracy (errors/chars) | exact lines | whole MRZ right | whole MRZ right after check-digit repair | truth among alternatives when best is wrong | mean top probability | time mean / p95 |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for (name, b) in &buckets {
        if b.scenes > 0 {
            println!("{}", b.row(name));
        }
    }
    println!("false positives on documents without an MRZ: {false_positives}/{negatives}");
}

/// Renders one evaluation scene and dumps what each stage saw (for development).
pub fn debug(args: &HashMap<String, String>) {
    use verifyd_vision::mrz::{locate, plane::Plane, segment};
    let seed: u64 = args.get("seed").expect("--seed").parse().expect("--seed");
    let out = args
        .get("out")
        .cloned()
        .unwrap_or_else(|| "/tmp/mrz-debug".into());
    std::fs::create_dir_all(&out).expect("debug directory");
    let fonts = SceneFonts::load();
    let mut rng = StdRng::seed_from_u64(seed);
    let layout = match rng.gen_range(0..10) {
        0..=3 => Layout::Td3,
        4..=7 => Layout::Td1,
        _ => Layout::Td2,
    };
    let shot = Shot::random(&mut rng);
    let scene = scene::render(seed, &fonts, layout, shot);
    scene
        .image
        .save(format!("{out}/scene-{seed}.png"))
        .expect("save");
    eprintln!("{layout:?} {shot:?}");
    let plane = Plane::from_gray(&scene.image);
    for max_side in [1200usize, 2400] {
        for l in locate::text_line_summary(&plane, max_side) {
            let len = ((l.end.0 - l.start.0).powi(2) + (l.end.1 - l.start.1).powi(2)).sqrt();
            if len > 8.0 * l.body {
                eprintln!(
                    "  text line {:?} → {:?} body {:.1} density {:.2} length/body {:.1}",
                    l.start,
                    l.end,
                    l.body,
                    l.density,
                    len / l.body
                );
            }
        }
        let candidates = locate::locate(&plane, max_side);
        eprintln!("max_side {max_side}: {} candidates", candidates.len());
        for (ci, c) in candidates.iter().take(4).enumerate() {
            eprintln!("  candidate {ci} score {:.2}", c.score);
            for (li, g) in c.lines.iter().enumerate() {
                eprintln!("    line {li}: {g:?}");
                let Some(strip) = segment::prepare_line(&plane, g) else {
                    eprintln!("      no strip");
                    continue;
                };
                let (p, per) = segment::measure_pitch(&strip);
                eprintln!(
                    "      strip body {:.2} first {:.1} last {:.1} free pitch {p:.2} periodicity {per:.2} count {:.2}",
                    strip.body(),
                    strip.first,
                    strip.last,
                    strip.count_at_pitch(p)
                );
                let grid = segment::fit_grid(&strip, layout.width());
                let mut img = strip.ink.clone();
                for v in img.data.iter_mut() {
                    *v = 255.0 - 255.0 * v.clamp(0.0, 1.0);
                }
                if let Some(grid) = &grid {
                    eprintln!(
                        "      grid pitch {:.3} periodicity {:.2} start {}",
                        grid.pitch, grid.periodicity, grid.start
                    );
                    let scores: Vec<String> = grid
                        .candidates
                        .iter()
                        .map(|c| format!("{:.0}:{:.2}", c.0, c.1))
                        .collect();
                    eprintln!("      candidates {}", scores.join(" "));
                    for &u in &grid.centres {
                        let x = (u - 0.5 * grid.pitch).max(0.0) as usize;
                        if x < img.width {
                            for y in 0..img.height {
                                img.set(x, y, 128.0);
                            }
                        }
                    }
                    let reader = MrzReader::load().expect("model");
                    let mut act = verifyd_vision::mrz::model::Activations::default();
                    let cells = segment::cell_inputs(&strip, grid);
                    let (cw, ch) = (segment::CELL_W, segment::CELL_H);
                    let mut sheet =
                        image::GrayImage::new((cells.len() * (cw + 1)) as u32, ch as u32);
                    for (i, cell) in cells.iter().enumerate() {
                        for y in 0..ch {
                            for x in 0..cw {
                                let v = (255.0 - 255.0 * cell[y * cw + x].clamp(0.0, 1.0)) as u8;
                                sheet.put_pixel(
                                    (i * (cw + 1) + x) as u32,
                                    y as u32,
                                    image::Luma([v]),
                                );
                            }
                        }
                    }
                    let _ = sheet.save(format!("{out}/cells-{seed}-{max_side}-{ci}-{li}.png"));
                    let text: String = cells
                        .iter()
                        .map(|input| {
                            let p = reader.net().probabilities(input, &mut act);
                            let best = p
                                .iter()
                                .enumerate()
                                .max_by(|a, b| a.1.total_cmp(b.1))
                                .map(|(i, _)| i)
                                .unwrap_or(0);
                            crate::mrzgen::ALPHABET.as_bytes()[best] as char
                        })
                        .collect();
                    eprintln!("      read {text}");
                    if let Some(range) = args.get("columns") {
                        let (a, b) = range.split_once("..").expect("--columns a..b");
                        let (a, b): (usize, usize) = (a.parse().unwrap(), b.parse().unwrap());
                        for y in 0..strip.ink.height {
                            let row: String = (a..b.min(strip.ink.width))
                                .map(|x| {
                                    let v = strip.ink.get(x, y);
                                    if v > 0.75 {
                                        '#'
                                    } else if v > 0.5 {
                                        '+'
                                    } else if v > 0.25 {
                                        '.'
                                    } else {
                                        ' '
                                    }
                                })
                                .collect();
                            eprintln!("        {y:2} |{row}|");
                        }
                    }
                    if args.contains_key("cells") {
                        for (i, cell) in cells.iter().enumerate() {
                            let mean = cell.iter().sum::<f32>() / cell.len() as f32;
                            let max = cell.iter().cloned().fold(f32::MIN, f32::max);
                            let min = cell.iter().cloned().fold(f32::MAX, f32::min);
                            let p = reader.net().probabilities(cell, &mut act);
                            let mut ranked: Vec<(char, f32)> =
                                crate::mrzgen::ALPHABET.chars().zip(p).collect();
                            ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
                            eprintln!("        cell {i}: mean {mean:.3} min {min:.2} max {max:.2} centre {:.1} {:?}", grid.centres[i], &ranked[..3]);
                            if args.get("cells").map(String::as_str) == Some(&i.to_string()) {
                                for y in 0..ch {
                                    let row: String = (0..cw)
                                        .map(|x| {
                                            let v = cell[y * cw + x];
                                            if v > 0.75 {
                                                '#'
                                            } else if v > 0.5 {
                                                '+'
                                            } else if v > 0.25 {
                                                '.'
                                            } else {
                                                ' '
                                            }
                                        })
                                        .collect();
                                    eprintln!("          |{row}|");
                                }
                            }
                        }
                    }
                }
                let _ = img
                    .to_gray()
                    .save(format!("{out}/strip-{seed}-{max_side}-{ci}-{li}.png"));
            }
        }
    }
}

/// Times `MrzReader::read` alone on pre-rendered evaluation scenes (tuning seeds).
pub fn bench(args: &HashMap<String, String>) {
    let count: usize = args
        .get("count")
        .map(|c| c.parse().expect("--count"))
        .unwrap_or(50);
    let rounds: usize = args
        .get("rounds")
        .map(|c| c.parse().expect("--rounds"))
        .unwrap_or(3);
    let reader = MrzReader::load().expect("model");
    let fonts = SceneFonts::load();
    let scenes: Vec<_> = (0..count)
        .map(|i| {
            let seed = 1_000_000 + i as u64;
            let mut rng = StdRng::seed_from_u64(seed);
            let layout = match rng.gen_range(0..10) {
                0..=3 => Layout::Td3,
                4..=7 => Layout::Td1,
                _ => Layout::Td2,
            };
            let shot = Shot::random(&mut rng);
            scene::render(seed, &fonts, layout, shot)
        })
        .collect();
    let mut times = Vec::new();
    for _ in 0..rounds {
        for s in &scenes {
            let t = cpu_time();
            let _ = reader.read(&s.image, Instant::now() + Duration::from_secs(10));
            times.push(cpu_time() - t);
        }
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mean = times.iter().map(|&d| ms(d)).sum::<f64>() / times.len() as f64;
    println!(
        "{} reads, CPU time of the reading thread: mean {mean:.1} ms, median {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        times.len(),
        ms(times[times.len() / 2]),
        ms(times[times.len() * 95 / 100]),
        ms(times[times.len() - 1])
    );
}

/// CPU time this thread has run (Linux schedstat, nanoseconds): unlike wall time it does not
/// count time the thread waited for a core on a busy machine.
pub fn cpu_time() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .next()
                .and_then(|v| v.parse::<u64>().ok())
        })
        .map(Duration::from_nanos)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn certain(lines: &[&str]) -> Candidates {
        lines
            .iter()
            .map(|l| l.chars().map(|c| vec![(c, 0.9)]).collect())
            .collect()
    }

    #[test]
    fn repair_fixes_a_letter_for_digit_only_where_a_check_digit_confirms_it() {
        let mut rng = StdRng::seed_from_u64(5);
        let lines = crate::mrzgen::random_mrz(&mut rng, Layout::Td3);
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let mut c = certain(&refs);
        // Corrupt the date of birth's first digit: best is a wrong digit, truth second.
        let truth = lines[1].as_bytes()[13] as char;
        let wrong = if truth == '8' { '3' } else { '8' };
        c[1][13] = vec![(wrong, 0.6), (truth, 0.35)];
        assert_eq!(repair(&c, Layout::Td3), lines);
    }
}
