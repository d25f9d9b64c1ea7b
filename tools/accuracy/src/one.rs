//! `--one`: a single case, printed in full for debugging: how it was made, what each image
//! read gave (quality measures, barcode payload length, MRZ lines, recognised text with
//! confidences), the decision and the field comparison. Every person in it is invented
//! by docgen.

use std::path::Path;

use verifyd_checks::observation::{ImageObservation, Wanted};
use verifyd_core::session::Verdict;
use verifyd_docgen::dates::iso;
use verifyd_vision::DocumentReader;

use crate::cases::CaseId;
use crate::run::{observe, run, side_name, SideRun};

fn print_observation(read: &SideRun, truth: Option<&verifyd_docgen::Truth>) {
    println!(
        "  {} (wanted: barcode {}, mrz {}, text {}) read in {:.0} ms",
        side_name(read.side),
        read.wanted.barcode,
        read.wanted.mrz,
        read.wanted.text,
        read.elapsed.as_secs_f64() * 1000.0
    );
    let o: &ImageObservation = match &read.reading {
        Ok(o) => o,
        Err(e) => {
            println!("    no observation: {e:?}");
            return;
        }
    };
    let q = &o.quality;
    println!(
        "    quality: {}x{} px, sharpness {:.1}, brightness {:.1}, glare {:.4}, document width {} px",
        q.width, q.height, q.sharpness, q.brightness, q.glare, q.document_width
    );
    match &q.document {
        Some(d) => println!(
            "    document found: area {:.3} of the image, corners {:?}",
            d.area_fraction,
            d.corners.map(|(x, y)| (x.round() as i32, y.round() as i32))
        ),
        None => println!("    document: not found"),
    }
    if read.wanted.barcode {
        match &o.barcode {
            Some(payload) => {
                let exact = truth.and_then(|t| t.aamva_payload.as_ref()).map(|want| {
                    if want == payload {
                        "byte-exact"
                    } else {
                        "DIFFERS from the encoded payload"
                    }
                });
                println!(
                    "    barcode: {} bytes{}",
                    payload.len(),
                    exact.map(|e| format!(" ({e})")).unwrap_or_default()
                );
            }
            None => println!("    barcode: none"),
        }
    }
    if read.wanted.mrz {
        match &o.mrz {
            Some(m) => {
                println!("    MRZ best lines:");
                for l in m.best_lines() {
                    println!("      {l}");
                }
                let unsure: Vec<String> = m
                    .lines
                    .iter()
                    .enumerate()
                    .flat_map(|(i, line)| {
                        line.iter().enumerate().filter_map(move |(j, c)| {
                            let best = c.candidates.first()?;
                            (best.1 < 0.9).then(|| {
                                let alts: Vec<String> = c
                                    .candidates
                                    .iter()
                                    .take(3)
                                    .map(|(ch, p)| format!("{ch}:{p:.2}"))
                                    .collect();
                                format!("[{},{}] {}", i + 1, j + 1, alts.join(" "))
                            })
                        })
                    })
                    .collect();
                if !unsure.is_empty() {
                    println!("    MRZ characters below 0.9: {}", unsure.join("; "));
                }
            }
            None => println!("    MRZ: none"),
        }
    }
    if let Some(text) = &o.text {
        println!("    text: {} lines", text.len());
        for t in text {
            println!("      {:.2}  {}", t.confidence, t.text);
        }
    }
}

/// Runs and prints one case; `save` also writes its photos there.
pub fn one(reader: &DocumentReader, id: CaseId, save: Option<&Path>) -> Result<(), String> {
    let case = run(reader, id);
    let g = &case.generated;
    println!(
        "case: {} {} seed {} ({:?}); rerun: {}",
        id.kind.name(),
        id.category.name(),
        id.seed,
        g.difficulty,
        id.command()
    );
    println!(
        "session: allowed_types {:?}; submission: document_type {}, back {}",
        g.allowed_types
            .as_ref()
            .map(|t| t.iter().map(|x| x.as_str()).collect::<Vec<_>>()),
        g.claimed.as_str(),
        g.back.is_some()
    );
    if let Some(v) = &g.variant {
        println!("AAMVA variant: {v}");
    }
    if let Some(t) = &g.truth {
        println!(
            "truth (synthetic): {} {:?} {} | dob {} | sex {} | number {} | issued {} | expiry {} | country {:?} | tamper {:?}",
            t.first_name,
            t.middle_name,
            t.last_name,
            iso(t.dob),
            t.sex,
            t.document_number,
            iso(t.issued),
            iso(t.expiry),
            t.issuing_country,
            t.tamper
        );
        if let Some(lines) = &t.mrz_lines {
            println!("true MRZ lines:");
            for l in lines {
                println!("  {l}");
            }
        }
        if let Some(p) = &t.aamva_payload {
            println!("true barcode payload: {} bytes", p.len());
        }
    }
    for (name, photo) in [("front", Some(&g.front)), ("back", g.back.as_ref())] {
        let Some(photo) = photo else { continue };
        println!("{name} photo: {} bytes, {:?}", photo.jpeg.len(), photo.spec);
        if let Some(l) = &photo.legibility {
            println!(
                "  legibility: module {:?} px, MRZ cap {:?} px, glare over code {}, legible {} {:?}",
                l.barcode_module_px, l.mrz_cap_height_px, l.glare_over_code, l.legible, l.reasons
            );
        }
        if let Some(dir) = save {
            std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
            let path = dir.join(format!("{}-{}-{name}.jpg", id.kind.name(), id.seed));
            std::fs::write(&path, &photo.jpeg)
                .map_err(|e| format!("writing {}: {e}", path.display()))?;
            println!("  saved {}", path.display());
        }
    }
    println!("legible: {} (code side: {})", g.legible, g.code_legible);
    println!("readings:");
    for read in &case.reads {
        print_observation(read, g.truth.as_ref());
    }
    println!("time of each reader alone (decode, document finding and quality included in each):");
    for read in &case.reads {
        let photo = match read.side {
            verifyd_checks::observation::Side::Front => Some(&g.front),
            verifyd_checks::observation::Side::Back => g.back.as_ref(),
            // Document sessions only: no selfie is generated.
            verifyd_checks::observation::Side::Selfie => None,
        };
        let Some(photo) = photo else { continue };
        let mut parts = Vec::new();
        for (name, wanted) in [
            ("nothing", Wanted::default()),
            (
                "barcode",
                Wanted {
                    barcode: true,
                    ..Wanted::default()
                },
            ),
            (
                "mrz",
                Wanted {
                    mrz: true,
                    ..Wanted::default()
                },
            ),
            (
                "text",
                Wanted {
                    text: true,
                    ..Wanted::default()
                },
            ),
        ] {
            if name != "nothing"
                && !(read.wanted.barcode && name == "barcode"
                    || read.wanted.mrz && name == "mrz"
                    || read.wanted.text && name == "text")
            {
                continue;
            }
            let timed = observe(reader, &photo.jpeg, read.side, wanted);
            parts.push(format!(
                "{name} {:.0} ms",
                timed.elapsed.as_secs_f64() * 1000.0
            ));
        }
        println!("  {}: {}", side_name(read.side), parts.join(", "));
    }
    let outcome = case.outcome();
    println!("decision:");
    match &case.decision.result.verdict {
        Verdict::Verified(outputs) => println!("  VERIFIED: {outputs:?}"),
        Verdict::Failed(e) => println!(
            "  failed: {} — {}",
            e.code.map(|c| c.as_str()).unwrap_or("(no code)"),
            e.reason.as_deref().unwrap_or("")
        ),
    }
    if let Some(doc) = &case.decision.result.document {
        println!("  report document section: {doc:?}");
    }
    if let Some(want) = id.category.expected_code() {
        println!(
            "  expected code: {want} → {}",
            if outcome.code.as_deref() == Some(want) {
                "got it"
            } else if outcome.read_although_illegible() {
                "read although predicted illegible (every output field right; not a false accept)"
            } else if outcome.false_accept() {
                "FALSE ACCEPT"
            } else {
                "other code"
            }
        );
    } else if outcome.false_accept() {
        println!("  FALSE ACCEPT: verified with an output field wrong");
    }
    for f in &outcome.fields {
        if f.ok {
            println!("  field {}: right", f.field);
        } else {
            println!(
                "  field {}: WRONG (expected {}, got {})",
                f.field,
                f.expected.as_deref().unwrap_or(""),
                f.got.as_deref().unwrap_or("")
            );
        }
    }
    println!(
        "  machine-readable data parsed: {}; reader fields wrong: {:?}",
        outcome.machine_read,
        outcome
            .machine_fields
            .iter()
            .filter(|f| !f.ok)
            .map(|f| f.field)
            .collect::<Vec<_>>()
    );
    println!(
        "upload feedback: front {:?}, back {:?}",
        outcome.feedback_front, outcome.feedback_back
    );
    Ok(())
}
