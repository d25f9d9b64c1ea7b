//! Negative material for "this is not an identity document": landscapes, pages of ordinary
//! text, blank security-printed cards without fields, business cards and plain textures.

use image::{Rgb, RgbImage};
use rand::seq::SliceRandom;
use rand::Rng;

use crate::canvas;
use crate::fonts;
use crate::text;

const WORDS: &[&str] = &[
    "the", "garden", "of", "a", "river", "morning", "quiet", "market", "and", "bread", "light",
    "window", "coffee", "with", "friends", "walked", "along", "old", "harbour", "music", "evening",
    "paper", "letters", "under", "blue", "sky", "children", "played", "near", "town", "recipe",
    "flour", "sugar", "butter", "mix", "until", "smooth", "bake", "minutes", "serve",
];

/// Something that is not an identity document (about card-to-page sized).
pub fn not_a_document<R: Rng + ?Sized>(rng: &mut R) -> RgbImage {
    match rng.gen_range(0..5) {
        0 => landscape(rng),
        1 => text_page(rng).unwrap_or_else(|| landscape(rng)),
        2 => blank_card(rng),
        3 => business_card(rng).unwrap_or_else(|| blank_card(rng)),
        _ => texture(rng),
    }
}

fn landscape<R: Rng + ?Sized>(rng: &mut R) -> RgbImage {
    let (w, h) = (1200u32, 900u32);
    let horizon = rng.gen_range(0.35..0.6) * h as f32;
    let phases: Vec<f32> = (0..4).map(|_| rng.gen_range(0.0..6.3)).collect();
    let sun = (
        rng.gen_range(0.1..0.9) * w as f32,
        rng.gen_range(0.05..0.3) * h as f32,
    );
    let grass = [
        rng.gen_range(40.0..90.0f32),
        rng.gen_range(100.0..160.0f32),
        rng.gen_range(30.0..70.0f32),
    ];
    let mut img = RgbImage::new(w, h);
    for y in 0..h {
        for x in 0..w {
            let (xf, yf) = (x as f32, y as f32);
            let ridge = horizon
                + 60.0 * (xf * 0.004 + phases[0]).sin()
                + 25.0 * (xf * 0.013 + phases[1]).sin()
                + 8.0 * (xf * 0.05 + phases[2]).sin();
            let c = if yf < ridge {
                let t = yf / ridge;
                let d = ((xf - sun.0).powi(2) + (yf - sun.1).powi(2)).sqrt();
                let glow = (1.0 - d / 80.0).clamp(0.0, 1.0);
                [
                    90.0 + 110.0 * t + 150.0 * glow,
                    140.0 + 80.0 * t + 120.0 * glow,
                    220.0 + 20.0 * t + 40.0 * glow,
                ]
            } else {
                let t = (yf - ridge) / (h as f32 - ridge).max(1.0);
                let stripe = 1.0 + 0.08 * ((xf * 0.2 + yf * 0.9 + phases[3]).sin());
                [
                    grass[0] * (0.8 + 0.4 * t) * stripe,
                    grass[1] * (0.8 + 0.3 * t) * stripe,
                    grass[2] * (0.8 + 0.4 * t) * stripe,
                ]
            };
            img.put_pixel(x, y, Rgb(c.map(|v| v.clamp(0.0, 255.0) as u8)));
        }
    }
    img
}

fn sentence<R: Rng + ?Sized>(rng: &mut R, n: usize) -> String {
    (0..n)
        .map(|_| *WORDS.choose(rng).unwrap())
        .collect::<Vec<_>>()
        .join(" ")
}

fn text_page<R: Rng + ?Sized>(rng: &mut R) -> Option<RgbImage> {
    let f = fonts::fonts().ok()?;
    let (w, h) = (900u32, 1200u32);
    let paper = rng.gen_range(236..252);
    let mut img = RgbImage::from_pixel(w, h, Rgb([paper, paper, paper - 4]));
    let font = if rng.gen_bool(0.5) {
        &f.dejavu_serif
    } else {
        &f.liberation
    };
    let px = rng.gen_range(22.0..28.0);
    let mut y = 110.0;
    text::draw(
        &mut img,
        &f.dejavu_bold,
        px * 1.5,
        (70.0, y),
        "Notes from the weekend",
        Rgb([20, 20, 20]),
        0.0,
    );
    y += px * 2.5;
    while y < h as f32 - 80.0 {
        let mut line = sentence(rng, 9);
        while text::width(font, px, &line) > (w - 140) as f32 {
            line.pop();
        }
        text::draw(
            &mut img,
            font,
            px,
            (70.0, y),
            line.trim_end(),
            Rgb([30, 30, 35]),
            0.0,
        );
        y += px * 1.45;
        if rng.gen_bool(0.12) {
            y += px;
        }
    }
    Some(img)
}

fn blank_card<R: Rng + ?Sized>(rng: &mut R) -> RgbImage {
    let pal = canvas::palette(rng);
    let mut img = canvas::security_background(1012, 638, &pal, rng);
    if rng.gen_bool(0.5) {
        canvas::band(&mut img, [0, 0, 1012, 90], pal.accent);
    }
    img
}

fn business_card<R: Rng + ?Sized>(rng: &mut R) -> Option<RgbImage> {
    let f = fonts::fonts().ok()?;
    let pal = canvas::palette(rng);
    let bgc = [
        rng.gen_range(225..252),
        rng.gen_range(225..252),
        rng.gen_range(220..250),
    ];
    let mut img = RgbImage::from_pixel(1050, 600, Rgb(bgc));
    let names = [
        "ACME PLUMBING",
        "BLUE OWL BAKERY",
        "NORTHSIDE BIKES",
        "LAKESIDE YOGA",
        "PIXEL PRINT SHOP",
    ];
    let name = names.choose(rng).unwrap();
    canvas::fill_rect(&mut img, [0, 520, 1050, 80], pal.accent, 1.0);
    text::draw(
        &mut img,
        &f.dejavu_bold,
        64.0,
        (70.0, 170.0),
        name,
        Rgb(pal.accent),
        0.0,
    );
    text::draw(
        &mut img,
        &f.liberation,
        34.0,
        (70.0, 260.0),
        "Open daily 8am - 6pm",
        Rgb([40, 40, 40]),
        0.0,
    );
    let phone = format!("Tel. 555-01{:02}", rng.gen_range(0..100));
    text::draw(
        &mut img,
        &f.liberation,
        34.0,
        (70.0, 320.0),
        &phone,
        Rgb([40, 40, 40]),
        0.0,
    );
    text::draw(
        &mut img,
        &f.liberation,
        30.0,
        (70.0, 380.0),
        "hello@example.com",
        Rgb([40, 40, 40]),
        0.0,
    );
    Some(img)
}

fn texture<R: Rng + ?Sized>(rng: &mut R) -> RgbImage {
    let (w, h) = (1000u32, 750u32);
    let base = [
        rng.gen_range(60.0..200.0f32),
        rng.gen_range(60.0..200.0f32),
        rng.gen_range(60.0..200.0f32),
    ];
    let (f1, f2, p) = (
        rng.gen_range(0.01..0.05f32),
        rng.gen_range(0.01..0.05f32),
        rng.gen_range(0.0..6.3f32),
    );
    let mut img = RgbImage::new(w, h);
    for (x, y, px) in img.enumerate_pixels_mut() {
        let v = ((x as f32 * f1 + p).sin() * (y as f32 * f2).cos()
            + (x as f32 * 0.2 + y as f32 * 0.31).sin() * 0.2)
            * 0.25
            + 1.0;
        *px = Rgb(base.map(|b| (b * v).clamp(0.0, 255.0) as u8));
    }
    img
}
