//! The model files the text recogniser loads, and how they are trusted: each comes from a
//! pinned package of a public registry, has a licence that allows shipping it, and has a
//! SHA-256 that is checked every time it is loaded — a missing or altered file is an
//! error, never a silent fallback. `scripts/fetch-models` downloads the package with pip,
//! checks the package's own hash, and extracts the files into the models folder;
//! nothing is ever downloaded at run time. The manifest is `models/MANIFEST.md`.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// One model file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelFile {
    /// File name inside the models folder.
    pub name: &'static str,
    /// Lower-case hex SHA-256 of the file.
    pub sha256: &'static str,
}

/// The registry package the text models come from.
pub const TEXT_MODELS_PACKAGE: &str =
    "rapidocr_onnxruntime==1.4.4 (PyPI, Apache-2.0; PP-OCRv4 models by PaddlePaddle, Apache-2.0)";

/// PP-OCRv4 text detection (DB), from `rapidocr_onnxruntime` 1.4.4.
pub const TEXT_DETECTION: ModelFile = ModelFile {
    name: "ch_PP-OCRv4_det_infer.onnx",
    sha256: "d2a7720d45a54257208b1e13e36a8479894cb74155a5efe29462512d42f49da9",
};

/// PP-OCRv4 text recognition (SVTR-LCNet, CTC), from `rapidocr_onnxruntime` 1.4.4.
pub const TEXT_RECOGNITION: ModelFile = ModelFile {
    name: "ch_PP-OCRv4_rec_infer.onnx",
    sha256: "48fc40f24f6d2a207a2b1091d3437eb3cc3eb6b676dc3ef9c37384005483683b",
};

/// PP-OCR text direction classifier (0° / 180°), from `rapidocr_onnxruntime` 1.4.4.
pub const TEXT_DIRECTION: ModelFile = ModelFile {
    name: "ch_ppocr_mobile_v2.0_cls_infer.onnx",
    sha256: "e47acedf663230f8863ff1ab0e64dd2d82b838fceb5957146dab185a89d6215c",
};

/// The registry package the face models are built from.
pub const FACE_MODELS_PACKAGE: &str =
    "@vladmandic/face-api@1.7.15 (npm, MIT; converted to ONNX by scripts/faceapi_onnx.py)";

/// face-api's tiny face detector (Tiny-YOLOv2, 416×416), as ONNX.
pub const FACE_DETECTION: ModelFile = ModelFile {
    name: "face_detector.onnx",
    sha256: "1f4fee7fc53b0f9d7aec7c9f18a87030ec075aed15eb7b321c7fdb7117d21104",
};

/// face-api's 68-point face landmark net (112×112), as ONNX.
pub const FACE_LANDMARKS: ModelFile = ModelFile {
    name: "face_landmark_68.onnx",
    sha256: "2cacbe7e2d31a96f45466c06b557f6f7743dafedb7505f8732eb814dd16c0d0b",
};

/// face-api's face recognition net (dlib's ResNet, 150×150 → 128), as ONNX.
pub const FACE_RECOGNITION: ModelFile = ModelFile {
    name: "face_recognition.onnx",
    sha256: "354d3e9c8b36c0ddccef78979eb832e049bb646f4dc12bbb618cf55d40d3d368",
};

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("model file {path} is missing ({hint})")]
    Missing { path: PathBuf, hint: &'static str },
    #[error("model file {path} could not be read: {source}")]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("model file {path} does not match its pinned SHA-256 (found {found})")]
    Checksum { path: PathBuf, found: String },
    #[error("model file {name} could not be loaded: {detail}")]
    Invalid { name: &'static str, detail: String },
}

const FETCH_HINT: &str =
    "run scripts/fetch-models, or point --models-dir at a folder that holds it";

/// The bytes of `file` in `dir`, after checking their SHA-256.
pub fn load(dir: &Path, file: ModelFile) -> Result<Vec<u8>, ModelError> {
    let path = dir.join(file.name);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ModelError::Missing {
                path,
                hint: FETCH_HINT,
            })
        }
        Err(source) => return Err(ModelError::Unreadable { path, source }),
    };
    let found = sha256_hex(&bytes);
    if found != file.sha256 {
        return Err(ModelError::Checksum { path, found });
    }
    Ok(bytes)
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_or_altered_file_is_refused() {
        let dir = std::env::temp_dir().join(format!("verifyd-models-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = ModelFile {
            name: "tiny.bin",
            // SHA-256 of "abc".
            sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        };
        assert!(matches!(load(&dir, file), Err(ModelError::Missing { .. })));
        std::fs::write(dir.join("tiny.bin"), b"abd").unwrap();
        assert!(matches!(load(&dir, file), Err(ModelError::Checksum { .. })));
        std::fs::write(dir.join("tiny.bin"), b"abc").unwrap();
        assert_eq!(load(&dir, file).unwrap(), b"abc");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
