//! Training the recogniser: backpropagation through the vision crate's own forward pass
//! ([`Net::forward`]), Adam with a cosine learning-rate schedule, minibatches, He
//! initialisation, all from one seed; then a softmax temperature fitted on a separate set of
//! renders so the probabilities are calibrated.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use verifyd_vision::mrz::model::{softmax, Activations, Net};
use verifyd_vision::mrz::segment::{CELL_H, CELL_W};

use crate::degrade::normal;
use crate::samples::{dequantise, Sample, INPUT};

pub struct Shape {
    pub c1: usize,
    pub c2: usize,
    pub hidden: usize,
}

pub fn init(shape: &Shape, rng: &mut StdRng) -> Net {
    let mut net = Net::zeros(
        CELL_H,
        CELL_W,
        shape.c1,
        shape.c2,
        shape.hidden,
        crate::mrzgen::ALPHABET,
    );
    let fan_in = [
        9.0,
        0.0,
        9.0 * shape.c1 as f32,
        0.0,
        net.flat_len() as f32,
        0.0,
        shape.hidden as f32,
        0.0,
    ];
    for (t, fan) in net.tensors_mut().into_iter().zip(fan_in) {
        if fan > 0.0 {
            let sd = (2.0 / fan).sqrt();
            for v in t.iter_mut() {
                *v = sd * normal(rng);
            }
        }
    }
    net
}

/// Gradient buffers reused across samples.
#[derive(Default)]
struct Scratch {
    act: Activations,
    input: Vec<f32>,
    dlogits: Vec<f32>,
    dh1: Vec<f32>,
    dp2: Vec<f32>,
    da2: Vec<f32>,
    dp1_pad: Vec<f32>,
    da1: Vec<f32>,
}

/// Adds the gradient of the cross-entropy loss for one sample to `grad`; returns the loss and
/// whether the prediction was right.
fn backprop(net: &Net, grad: &mut Net, sample: &Sample, s: &mut Scratch) -> (f32, bool) {
    let (h, w) = (net.input_h, net.input_w);
    let (h2, w2) = (h / 2, w / 2);
    let (h4, w4) = (h2 / 2, w2 / 2);
    let (c1, c2, hidden) = (net.c1, net.c2, net.hidden);
    s.input.clear();
    s.input.extend(sample.input.iter().map(|&q| dequantise(q)));
    net.forward(&s.input, &mut s.act);
    let act = &s.act;
    let probs = softmax(&act.logits, 1.0);
    let label = sample.label as usize;
    let loss = -(probs[label].max(1e-12)).ln();
    let best = probs
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(i, _)| i)
        .unwrap_or(0);
    s.dlogits.clear();
    s.dlogits.extend_from_slice(&probs);
    s.dlogits[label] -= 1.0;
    // fc2
    s.dh1.clear();
    s.dh1.resize(hidden, 0.0);
    for (k, &dl) in s.dlogits.iter().enumerate() {
        grad.fc2_b[k] += dl;
        let row = &mut grad.fc2_w[k * hidden..(k + 1) * hidden];
        for (g, &a) in row.iter_mut().zip(&act.h1) {
            *g += dl * a;
        }
        let wrow = &net.fc2_w[k * hidden..(k + 1) * hidden];
        for (d, &wv) in s.dh1.iter_mut().zip(wrow) {
            *d += dl * wv;
        }
    }
    for (d, &a) in s.dh1.iter_mut().zip(&act.h1) {
        if a <= 0.0 {
            *d = 0.0;
        }
    }
    // fc1
    let flat = net.flat_len();
    s.dp2.clear();
    s.dp2.resize(flat, 0.0);
    for (j, &dj) in s.dh1.iter().enumerate() {
        if dj == 0.0 {
            continue;
        }
        grad.fc1_b[j] += dj;
        let g = &mut grad.fc1_w[j * flat..(j + 1) * flat];
        for (gv, &p) in g.iter_mut().zip(&act.p2) {
            *gv += dj * p;
        }
        let wrow = &net.fc1_w[j * flat..(j + 1) * flat];
        for (d, &wv) in s.dp2.iter_mut().zip(wrow) {
            *d += dj * wv;
        }
    }
    // pool2 → a2 (to the max of each 2×2 block), ReLU.
    s.da2.clear();
    s.da2.resize(c2 * h2 * w2, 0.0);
    for c in 0..c2 {
        let a = &act.a2[c * h2 * w2..(c + 1) * h2 * w2];
        let da = &mut s.da2[c * h2 * w2..(c + 1) * h2 * w2];
        for y in 0..h4 {
            for x in 0..w4 {
                let g = s.dp2[c * h4 * w4 + y * w4 + x];
                if g == 0.0 {
                    continue;
                }
                let i = 2 * y * w2 + 2 * x;
                let idx = [i, i + 1, i + w2, i + w2 + 1];
                let m = idx
                    .into_iter()
                    .max_by(|&p, &q| a[p].total_cmp(&a[q]))
                    .unwrap_or(i);
                if a[m] > 0.0 {
                    da[m] += g;
                }
            }
        }
    }
    // conv2
    let (h2p, w2p) = (h2 + 2, w2 + 2);
    s.dp1_pad.clear();
    s.dp1_pad.resize(c1 * h2p * w2p, 0.0);
    for o in 0..c2 {
        let da = &s.da2[o * h2 * w2..(o + 1) * h2 * w2];
        grad.conv2_b[o] += da.iter().sum::<f32>();
        for c in 0..c1 {
            let src = &act.p1_pad[c * h2p * w2p..(c + 1) * h2p * w2p];
            let wk = &net.conv2_w[(o * c1 + c) * 9..(o * c1 + c) * 9 + 9];
            let gk = &mut grad.conv2_w[(o * c1 + c) * 9..(o * c1 + c) * 9 + 9];
            let dsrc = &mut s.dp1_pad[c * h2p * w2p..(c + 1) * h2p * w2p];
            for y in 0..h2 {
                let drow = &da[y * w2..(y + 1) * w2];
                for ky in 0..3 {
                    let srow = &src[(y + ky) * w2p..(y + ky) * w2p + w2p];
                    let dsrow = &mut dsrc[(y + ky) * w2p..(y + ky) * w2p + w2p];
                    for kx in 0..3 {
                        let mut acc = 0.0;
                        let wv = wk[ky * 3 + kx];
                        for x in 0..w2 {
                            acc += drow[x] * srow[x + kx];
                            dsrow[x + kx] += wv * drow[x];
                        }
                        gk[ky * 3 + kx] += acc;
                    }
                }
            }
        }
    }
    // pool1 → a1, ReLU.
    s.da1.clear();
    s.da1.resize(c1 * h * w, 0.0);
    for c in 0..c1 {
        let a = &act.a1[c * h * w..(c + 1) * h * w];
        let da = &mut s.da1[c * h * w..(c + 1) * h * w];
        let dp = &s.dp1_pad[c * h2p * w2p..(c + 1) * h2p * w2p];
        for y in 0..h2 {
            for x in 0..w2 {
                let g = dp[(y + 1) * w2p + x + 1];
                if g == 0.0 {
                    continue;
                }
                let i = 2 * y * w + 2 * x;
                let idx = [i, i + 1, i + w, i + w + 1];
                let m = idx
                    .into_iter()
                    .max_by(|&p, &q| a[p].total_cmp(&a[q]))
                    .unwrap_or(i);
                if a[m] > 0.0 {
                    da[m] += g;
                }
            }
        }
    }
    // conv1 (weights only).
    let wp = w + 2;
    for o in 0..c1 {
        let da = &s.da1[o * h * w..(o + 1) * h * w];
        grad.conv1_b[o] += da.iter().sum::<f32>();
        let gk = &mut grad.conv1_w[o * 9..o * 9 + 9];
        for y in 0..h {
            let drow = &da[y * w..(y + 1) * w];
            for ky in 0..3 {
                let srow = &act.x_pad[(y + ky) * wp..(y + ky) * wp + wp];
                for kx in 0..3 {
                    let mut acc = 0.0;
                    for x in 0..w {
                        acc += drow[x] * srow[x + kx];
                    }
                    gk[ky * 3 + kx] += acc;
                }
            }
        }
    }
    (loss, best == label)
}

pub struct Options {
    pub epochs: usize,
    pub batch: usize,
    pub lr: f32,
    pub weight_decay: f32,
}

/// Trains `net` on `data` (shuffled each epoch with `rng`). Prints progress.
pub fn train(net: &mut Net, data: &mut [Sample], opts: &Options, rng: &mut StdRng) {
    let mut grad = net.clone();
    let mut m = net.clone();
    let mut v = net.clone();
    for t in m.tensors_mut().into_iter().chain(v.tensors_mut()) {
        t.fill(0.0);
    }
    let steps_per_epoch = data.len() / opts.batch;
    let total = (steps_per_epoch * opts.epochs).max(1);
    let warmup = 300.min(total / 10);
    let (b1, b2, eps) = (0.9f32, 0.999f32, 1e-8f32);
    let mut scratch = Scratch::default();
    let mut step = 0usize;
    let mut next_report = 1000usize;
    let started = std::time::Instant::now();
    for epoch in 0..opts.epochs {
        data.shuffle(rng);
        let (mut loss_sum, mut right, mut seen) = (0.0f64, 0usize, 0usize);
        for batch in data.chunks_exact(opts.batch) {
            for t in grad.tensors_mut() {
                t.fill(0.0);
            }
            for sample in batch {
                let (loss, ok) = backprop(net, &mut grad, sample, &mut scratch);
                loss_sum += loss as f64;
                right += ok as usize;
                seen += 1;
            }
            step += 1;
            let lr = if step <= warmup {
                opts.lr * step as f32 / warmup.max(1) as f32
            } else {
                let p = (step - warmup) as f32 / (total - warmup).max(1) as f32;
                opts.lr * (0.02 + 0.98 * 0.5 * (1.0 + (std::f32::consts::PI * p).cos()))
            };
            let bc1 = 1.0 - b1.powi(step as i32);
            let bc2 = 1.0 - b2.powi(step as i32);
            let inv = 1.0 / opts.batch as f32;
            let decays = [true, false, true, false, true, false, true, false];
            let params = net.tensors_mut();
            let grads = grad.tensors();
            let ms = m.tensors_mut();
            let vs = v.tensors_mut();
            for ((((p, g), mt), vt), decay) in
                params.into_iter().zip(grads).zip(ms).zip(vs).zip(decays)
            {
                for i in 0..p.len() {
                    let gi = g[i] * inv;
                    mt[i] = b1 * mt[i] + (1.0 - b1) * gi;
                    vt[i] = b2 * vt[i] + (1.0 - b2) * gi * gi;
                    let update = (mt[i] / bc1) / ((vt[i] / bc2).sqrt() + eps);
                    p[i] -= lr * update;
                    if decay {
                        p[i] -= lr * opts.weight_decay * p[i];
                    }
                }
            }
            if step >= next_report {
                next_report += 1000;
                eprintln!(
                    "  epoch {} step {step}/{total} lr {lr:.5} loss {:.4} acc {:.4} ({:.0}s)",
                    epoch + 1,
                    loss_sum / seen as f64,
                    right as f64 / seen as f64,
                    started.elapsed().as_secs_f32()
                );
                loss_sum = 0.0;
                right = 0;
                seen = 0;
            }
        }
    }
}

/// Accuracy and mean negative log-likelihood of `net` on `data` at temperature `t`.
pub fn evaluate(net: &Net, data: &[Sample], t: f32) -> (f32, f32) {
    let mut act = Activations::default();
    let mut input = Vec::with_capacity(INPUT);
    let (mut right, mut nll) = (0usize, 0.0f64);
    for s in data {
        input.clear();
        input.extend(s.input.iter().map(|&q| dequantise(q)));
        net.forward(&input, &mut act);
        let p = softmax(&act.logits, t);
        let best = p
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(i, _)| i)
            .unwrap_or(0);
        right += (best == s.label as usize) as usize;
        nll -= (p[s.label as usize].max(1e-12) as f64).ln();
    }
    (
        right as f32 / data.len().max(1) as f32,
        (nll / data.len().max(1) as f64) as f32,
    )
}

/// The softmax temperature (0.5–4) that minimises the negative log-likelihood on `data`.
pub fn fit_temperature(net: &Net, data: &[Sample]) -> f32 {
    let mut act = Activations::default();
    let mut input = Vec::with_capacity(INPUT);
    let logits: Vec<(Vec<f32>, usize)> = data
        .iter()
        .map(|s| {
            input.clear();
            input.extend(s.input.iter().map(|&q| dequantise(q)));
            net.forward(&input, &mut act);
            (act.logits.clone(), s.label as usize)
        })
        .collect();
    let mut best = (1.0f32, f64::INFINITY);
    for i in 0..=175 {
        let t = 0.5 + 0.02 * i as f32;
        let nll: f64 = logits
            .iter()
            .map(|(l, y)| -(softmax(l, t)[*y].max(1e-12) as f64).ln())
            .sum();
        if nll < best.1 {
            best = (t, nll);
        }
    }
    best.0
}

/// A generator seeded from `seed` and a stream name, so each use of randomness is
/// independent of the others' consumption.
pub fn stream(seed: u64, name: &str) -> StdRng {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    StdRng::seed_from_u64(seed ^ h)
}
