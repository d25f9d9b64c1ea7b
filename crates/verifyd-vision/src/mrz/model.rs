//! The OCR-B character recogniser: a tiny convolutional network over one normalised glyph
//! cell, and its weights file format. Owns inference only; training (the backward pass)
//! lives in `tools/mrz-train`, which reuses [`Net::forward`] so both sides agree.
//!
//! Architecture (input `H`×`W` ink map, 0 = paper, 1 = ink):
//! conv 3×3 (1→c1, pad 1) → ReLU → max-pool 2×2 → conv 3×3 (c1→c2, pad 1) → ReLU →
//! max-pool 2×2 → dense (c2·H/4·W/4 → hidden) → ReLU → dense (hidden → classes) → softmax
//! with a temperature fitted on held-aside renders so the probabilities are calibrated.
//!
//! Weights file (all integers and floats little-endian):
//! ```text
//! 8 bytes   magic "VMRZNET1"
//! 6 × u32   input_h, input_w, c1, c2, hidden, classes
//! f32       softmax temperature
//! classes   bytes: the class alphabet in output order (ASCII)
//! f32 ×     conv1.w [c1][3][3], conv1.b [c1], conv2.w [c2][c1][3][3], conv2.b [c2],
//!           fc1.w [hidden][c2·(h/4)·(w/4)], fc1.b [hidden], fc2.w [classes][hidden], fc2.b
//! ```
//! Nothing follows the last tensor; a short or long file is an error.

const MAGIC: &[u8; 8] = b"VMRZNET1";

/// The network's shape and parameters. Fields are public for the training tool.
#[derive(Debug, Clone, PartialEq)]
pub struct Net {
    pub input_h: usize,
    pub input_w: usize,
    pub c1: usize,
    pub c2: usize,
    pub hidden: usize,
    pub alphabet: Vec<char>,
    pub temperature: f32,
    pub conv1_w: Vec<f32>,
    pub conv1_b: Vec<f32>,
    pub conv2_w: Vec<f32>,
    pub conv2_b: Vec<f32>,
    pub fc1_w: Vec<f32>,
    pub fc1_b: Vec<f32>,
    pub fc2_w: Vec<f32>,
    pub fc2_b: Vec<f32>,
}

/// Every intermediate value of one forward pass (the training tool's backward pass reads
/// them). Buffers are reused between calls.
#[derive(Debug, Clone, Default)]
pub struct Activations {
    /// The input with a one-pixel zero border: (h+2)×(w+2).
    pub x_pad: Vec<f32>,
    /// conv1 after ReLU: c1×h×w.
    pub a1: Vec<f32>,
    /// pool1 with a zero border: c1×(h/2+2)×(w/2+2).
    pub p1_pad: Vec<f32>,
    /// conv2 after ReLU: c2×(h/2)×(w/2).
    pub a2: Vec<f32>,
    /// pool2, flattened: c2×(h/4)×(w/4).
    pub p2: Vec<f32>,
    /// fc1 after ReLU.
    pub h1: Vec<f32>,
    /// The output logits (before the temperature).
    pub logits: Vec<f32>,
}

impl Net {
    pub fn classes(&self) -> usize {
        self.alphabet.len()
    }

    pub fn flat_len(&self) -> usize {
        self.c2 * (self.input_h / 4) * (self.input_w / 4)
    }

    /// Number of parameters of each tensor, in file order.
    pub fn tensor_lens(&self) -> [usize; 8] {
        [
            self.c1 * 9,
            self.c1,
            self.c2 * self.c1 * 9,
            self.c2,
            self.hidden * self.flat_len(),
            self.hidden,
            self.classes() * self.hidden,
            self.classes(),
        ]
    }

    /// A network of the given shape with all parameters zero.
    pub fn zeros(
        input_h: usize,
        input_w: usize,
        c1: usize,
        c2: usize,
        hidden: usize,
        alphabet: &str,
    ) -> Self {
        let mut net = Net {
            input_h,
            input_w,
            c1,
            c2,
            hidden,
            alphabet: alphabet.chars().collect(),
            temperature: 1.0,
            conv1_w: vec![],
            conv1_b: vec![],
            conv2_w: vec![],
            conv2_b: vec![],
            fc1_w: vec![],
            fc1_b: vec![],
            fc2_w: vec![],
            fc2_b: vec![],
        };
        let lens = net.tensor_lens();
        for (t, len) in net.tensors_mut().into_iter().zip(lens) {
            *t = vec![0.0; len];
        }
        net
    }

    pub fn tensors(&self) -> [&Vec<f32>; 8] {
        [
            &self.conv1_w,
            &self.conv1_b,
            &self.conv2_w,
            &self.conv2_b,
            &self.fc1_w,
            &self.fc1_b,
            &self.fc2_w,
            &self.fc2_b,
        ]
    }

    pub fn tensors_mut(&mut self) -> [&mut Vec<f32>; 8] {
        [
            &mut self.conv1_w,
            &mut self.conv1_b,
            &mut self.conv2_w,
            &mut self.conv2_b,
            &mut self.fc1_w,
            &mut self.fc1_b,
            &mut self.fc2_w,
            &mut self.fc2_b,
        ]
    }

    /// Serialises in the documented format.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        for v in [
            self.input_h,
            self.input_w,
            self.c1,
            self.c2,
            self.hidden,
            self.classes(),
        ] {
            out.extend_from_slice(&(v as u32).to_le_bytes());
        }
        out.extend_from_slice(&self.temperature.to_le_bytes());
        out.extend(self.alphabet.iter().map(|&c| c as u8));
        for t in self.tensors() {
            for v in t {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        out
    }

    /// Parses the documented format; any inconsistency is an error.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        let mut at = 0usize;
        let mut take = |n: usize| -> Result<&[u8], String> {
            let end = at
                .checked_add(n)
                .filter(|&e| e <= bytes.len())
                .ok_or("the weights file is truncated")?;
            let s = &bytes[at..end];
            at = end;
            Ok(s)
        };
        if take(8)? != MAGIC {
            return Err("the weights file does not start with VMRZNET1".into());
        }
        let mut dims = [0usize; 6];
        for d in dims.iter_mut() {
            let b = take(4)?;
            *d = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize;
        }
        let [input_h, input_w, c1, c2, hidden, classes] = dims;
        if input_h % 4 != 0
            || input_w % 4 != 0
            || !(4..=256).contains(&input_h)
            || !(4..=256).contains(&input_w)
            || !(1..=256).contains(&c1)
            || !(1..=256).contains(&c2)
            || !(1..=4096).contains(&hidden)
            || !(2..=128).contains(&classes)
        {
            return Err("the weights file has an impossible shape".into());
        }
        let t = take(4)?;
        let temperature = f32::from_le_bytes([t[0], t[1], t[2], t[3]]);
        if !(temperature.is_finite() && temperature > 0.0) {
            return Err("the weights file has a bad temperature".into());
        }
        let alphabet: Vec<char> = take(classes)?.iter().map(|&b| b as char).collect();
        let mut net = Net::zeros(input_h, input_w, c1, c2, hidden, "");
        net.alphabet = alphabet;
        net.temperature = temperature;
        let lens = net.tensor_lens();
        for (tensor, len) in net.tensors_mut().into_iter().zip(lens) {
            let raw = take(len * 4)?;
            *tensor = raw
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            if tensor.iter().any(|v| !v.is_finite()) {
                return Err("the weights file holds a non-finite value".into());
            }
        }
        if at != bytes.len() {
            return Err("the weights file has trailing bytes".into());
        }
        Ok(net)
    }

    /// Runs the network on one `input_h`×`input_w` input, filling `act`.
    pub fn forward(&self, input: &[f32], act: &mut Activations) {
        let (h, w) = (self.input_h, self.input_w);
        debug_assert_eq!(input.len(), h * w);
        // conv1
        let (hp, wp) = (h + 2, w + 2);
        act.x_pad.clear();
        act.x_pad.resize(hp * wp, 0.0);
        for y in 0..h {
            act.x_pad[(y + 1) * wp + 1..(y + 1) * wp + 1 + w]
                .copy_from_slice(&input[y * w..(y + 1) * w]);
        }
        act.a1.clear();
        act.a1.resize(self.c1 * h * w, 0.0);
        conv3x3(
            &act.x_pad,
            1,
            h,
            w,
            &self.conv1_w,
            &self.conv1_b,
            self.c1,
            &mut act.a1,
        );
        relu(&mut act.a1);
        // pool1 into a padded buffer
        let (h2, w2) = (h / 2, w / 2);
        let (h2p, w2p) = (h2 + 2, w2 + 2);
        act.p1_pad.clear();
        act.p1_pad.resize(self.c1 * h2p * w2p, 0.0);
        for c in 0..self.c1 {
            let src = &act.a1[c * h * w..(c + 1) * h * w];
            let dst = &mut act.p1_pad[c * h2p * w2p..(c + 1) * h2p * w2p];
            for y in 0..h2 {
                for x in 0..w2 {
                    let i = 2 * y * w + 2 * x;
                    dst[(y + 1) * w2p + x + 1] =
                        src[i].max(src[i + 1]).max(src[i + w]).max(src[i + w + 1]);
                }
            }
        }
        // conv2
        act.a2.clear();
        act.a2.resize(self.c2 * h2 * w2, 0.0);
        conv3x3(
            &act.p1_pad,
            self.c1,
            h2,
            w2,
            &self.conv2_w,
            &self.conv2_b,
            self.c2,
            &mut act.a2,
        );
        relu(&mut act.a2);
        // pool2, flattened
        let (h4, w4) = (h2 / 2, w2 / 2);
        act.p2.clear();
        act.p2.resize(self.c2 * h4 * w4, 0.0);
        for c in 0..self.c2 {
            let src = &act.a2[c * h2 * w2..(c + 1) * h2 * w2];
            for y in 0..h4 {
                for x in 0..w4 {
                    let i = 2 * y * w2 + 2 * x;
                    act.p2[c * h4 * w4 + y * w4 + x] =
                        src[i].max(src[i + 1]).max(src[i + w2]).max(src[i + w2 + 1]);
                }
            }
        }
        // fc1
        let flat = self.flat_len();
        act.h1.clear();
        act.h1.resize(self.hidden, 0.0);
        for (j, out) in act.h1.iter_mut().enumerate() {
            let row = &self.fc1_w[j * flat..(j + 1) * flat];
            *out = (self.fc1_b[j] + dot(row, &act.p2)).max(0.0);
        }
        // fc2
        let classes = self.classes();
        act.logits.clear();
        act.logits.resize(classes, 0.0);
        for (k, out) in act.logits.iter_mut().enumerate() {
            let row = &self.fc2_w[k * self.hidden..(k + 1) * self.hidden];
            *out = self.fc2_b[k] + dot(row, &act.h1);
        }
    }

    /// Class probabilities for one input: softmax of the logits divided by the temperature.
    pub fn probabilities(&self, input: &[f32], act: &mut Activations) -> Vec<f32> {
        self.forward(input, act);
        softmax(&act.logits, self.temperature)
    }
}

/// Softmax of `logits / temperature`.
pub fn softmax(logits: &[f32], temperature: f32) -> Vec<f32> {
    let max = logits.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
    let mut p: Vec<f32> = logits
        .iter()
        .map(|&l| ((l - max) / temperature).exp())
        .collect();
    let sum: f32 = p.iter().sum();
    for v in p.iter_mut() {
        *v /= sum;
    }
    p
}

#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    // Eight partial sums so the compiler can vectorise without reassociating floats itself.
    let mut acc = [0.0f32; 8];
    let chunks = a.len() / 8;
    for i in 0..chunks {
        for k in 0..8 {
            acc[k] += a[i * 8 + k] * b[i * 8 + k];
        }
    }
    let mut s: f32 = acc.iter().sum();
    for i in chunks * 8..a.len() {
        s += a[i] * b[i];
    }
    s
}

fn relu(v: &mut [f32]) {
    for x in v.iter_mut() {
        *x = x.max(0.0);
    }
}

/// 3×3 convolution, stride 1, over a zero-padded input of `cin` channels of (h+2)×(w+2),
/// into `cout` channels of h×w (which must be zeroed by the caller).
#[allow(clippy::too_many_arguments)]
pub fn conv3x3(
    input_pad: &[f32],
    cin: usize,
    h: usize,
    w: usize,
    weights: &[f32],
    bias: &[f32],
    cout: usize,
    out: &mut [f32],
) {
    let (hp, wp) = (h + 2, w + 2);
    for o in 0..cout {
        let dst = &mut out[o * h * w..(o + 1) * h * w];
        dst.fill(bias[o]);
        for c in 0..cin {
            let src = &input_pad[c * hp * wp..(c + 1) * hp * wp];
            let k = &weights[(o * cin + c) * 9..(o * cin + c) * 9 + 9];
            for y in 0..h {
                let row = &mut dst[y * w..(y + 1) * w];
                for ky in 0..3 {
                    let s = &src[(y + ky) * wp..(y + ky) * wp + wp];
                    let (k0, k1, k2) = (k[ky * 3], k[ky * 3 + 1], k[ky * 3 + 2]);
                    for x in 0..w {
                        row[x] += k0 * s[x] + k1 * s[x + 1] + k2 * s[x + 2];
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_round_trip_through_the_file_format() {
        let mut net = Net::zeros(8, 8, 2, 3, 4, "AB<");
        for (i, t) in net.tensors_mut().into_iter().enumerate() {
            for (j, v) in t.iter_mut().enumerate() {
                *v = (i * 31 + j) as f32 * 0.01 - 0.3;
            }
        }
        net.temperature = 1.3;
        let bytes = net.to_bytes();
        assert_eq!(Net::from_bytes(&bytes).unwrap(), net);
        assert!(Net::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(Net::from_bytes(&longer).is_err());
    }
}
