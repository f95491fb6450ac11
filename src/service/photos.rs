//! Photos of defects, from a tablet camera: JPEG or PNG (iPhones' HEIC is
//! sent as JPEG by the browser), checked by their magic bytes and by
//! decoding them, stored with their SHA-256 and a small JPEG thumbnail, and
//! served only as images.

use super::audit::{self, Actor};
use crate::domain::access::Visibility;
use crate::domain::digest::hex;
use crate::domain::message::Message;
use crate::error::{AppError, AppResult, ErrorCode, NotFoundAs};
use crate::store::visual::{self as store, PhotoRow};
use crate::store::{now, DbConnection};
use image::{ImageError, ImageFormat, ImageReader, Limits};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::Cursor;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PhotoRef {
    pub id: i64,
    /// `GET` the original here.
    pub url: String,
    /// `GET` a small JPEG here.
    pub thumbnail_url: String,
}

/// Where a photo of an inspection is fetched.
pub fn photo_ref(id: i64) -> PhotoRef {
    PhotoRef {
        id,
        url: format!("/api/v1/photos/{id}"),
        thumbnail_url: format!("/api/v1/photos/{id}/thumbnail"),
    }
}

/// Largest photo accepted (a 12-megapixel JPEG is 3–6 MB).
pub const MAX_PHOTO_BYTES: usize = 15 * 1024 * 1024;
/// Longest side of a thumbnail, in pixels.
const THUMBNAIL_SIDE: u32 = 320;
/// Largest side a photo may have; more is not a camera picture.
pub const MAX_SIDE: u32 = 12_000;
/// Most pixels a photo may have by default, in megapixels. Tablet cameras
/// take 8–13 MP, phones 12–50 MP (a 50 MP picture is 8160 × 6120); a
/// decoded picture takes 3–4 bytes a pixel, so 50 MP is 150–200 MB while
/// it is decoded. The header is read first: a picture above the limit is
/// refused before any pixel is decoded, however small its file (a PNG of
/// one colour compresses 144 MP into a few hundred KB).
pub const DEFAULT_MAX_MEGAPIXELS: u32 = 50;
/// Photos decoded at the same time by default; the others wait their turn.
pub const DEFAULT_PARALLEL_DECODES: usize = 2;
/// How long an upload waits for its turn before it is answered 503.
const DECODE_WAIT: Duration = Duration::from_secs(30);

/// How large a photo may be and how many are decoded at once, so uploads
/// cannot together take more than about `parallel decodes × max pixels × 4`
/// bytes. Clones share the turns.
#[derive(Debug, Clone)]
pub struct PhotoLimits {
    max_pixels: u64,
    decodes: Arc<Semaphore>,
}

impl PhotoLimits {
    pub fn new(max_megapixels: u32, parallel_decodes: usize) -> Self {
        Self {
            max_pixels: u64::from(max_megapixels.max(1)) * 1_000_000,
            decodes: Arc::new(Semaphore::new(parallel_decodes.max(1))),
        }
    }

    pub fn max_pixels(&self) -> u64 {
        self.max_pixels
    }

    /// Waits for a turn to decode a photo; the turn ends when the
    /// [`DecodeTurn`] is dropped (move it into the blocking task, so a client
    /// that hangs up does not end the turn while its photo is decoded).
    pub async fn turn(&self) -> AppResult<DecodeTurn> {
        match tokio::time::timeout(DECODE_WAIT, self.decodes.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(DecodeTurn(permit)),
            Ok(Err(_)) => Err(AppError::internal("the photo decoding turns are closed")),
            Err(_) => Err(AppError::unavailable(Message::new("err-photos-busy"))),
        }
    }
}

impl Default for PhotoLimits {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_MEGAPIXELS, DEFAULT_PARALLEL_DECODES)
    }
}

/// A turn to decode one photo ([`PhotoLimits::turn`]).
#[derive(Debug)]
pub struct DecodeTurn(#[allow(dead_code)] OwnedSemaphorePermit);

/// A checked photo, ready to store.
pub struct PreparedPhoto {
    pub(super) content_type: &'static str,
    pub(super) sha256: String,
    pub(super) bytes: Vec<u8>,
    pub(super) thumbnail: Vec<u8>,
    pub(super) width: u32,
    pub(super) height: u32,
}

/// The image format by its first bytes: JPEG (FF D8 FF) or PNG (the 8-byte
/// signature of RFC 2083). Anything else, whatever its name or declared
/// type, is refused.
fn sniff(bytes: &[u8]) -> Option<(ImageFormat, &'static str)> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some((ImageFormat::Jpeg, "image/jpeg"))
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some((ImageFormat::Png, "image/png"))
    } else {
        None
    }
}

/// Checks and decodes a photo and makes its thumbnail (CPU work: run it off
/// the request thread and outside any transaction, in a [`DecodeTurn`]).
/// The dimensions are read from the header first, and a photo of more than
/// the limits' pixels or [`MAX_SIDE`] a side is refused (413
/// `photo_too_large`) without being decoded; the decoder is held to the
/// same limits and to `max pixels × 4` bytes (16-bit PNGs count double).
pub fn prepare_upload(
    bytes: Vec<u8>,
    limits: &PhotoLimits,
    _turn: DecodeTurn,
) -> AppResult<PreparedPhoto> {
    checked(bytes, limits.max_pixels)
}

/// As [`prepare_upload`] with the default limit of pixels and no turn: for
/// the few photos the service makes itself (the demo's).
pub fn prepare(bytes: Vec<u8>) -> AppResult<PreparedPhoto> {
    checked(bytes, u64::from(DEFAULT_MAX_MEGAPIXELS) * 1_000_000)
}

fn checked(bytes: Vec<u8>, max_pixels: u64) -> AppResult<PreparedPhoto> {
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(AppError::invalid(
            "photo",
            Message::new("err-photo-bytes").arg("max", MAX_PHOTO_BYTES),
        ));
    }
    let (format, content_type) = sniff(&bytes)
        .ok_or_else(|| AppError::invalid("photo", Message::new("err-photo-format")))?;
    let undecodable = |e: ImageError| {
        AppError::invalid("photo", Message::new("err-photo-undecodable").arg("why", e))
    };
    let too_large = |width: u32, height: u32| {
        AppError::new(
            ErrorCode::PhotoTooLarge,
            Message::new("err-photo-pixels")
                .arg("width", width)
                .arg("height", height)
                .arg(
                    "megapixels",
                    format!("{:.1}", f64::from(width) * f64::from(height) / 1e6),
                )
                .arg("max", max_pixels / 1_000_000)
                .arg("side", MAX_SIDE),
        )
        .with_field("photo")
    };
    let (width, height) = ImageReader::with_format(Cursor::new(&bytes), format)
        .into_dimensions()
        .map_err(undecodable)?;
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > max_pixels {
        return Err(too_large(width, height));
    }
    let mut reader = ImageReader::with_format(Cursor::new(&bytes), format);
    let mut decoder_limits = Limits::default();
    decoder_limits.max_image_width = Some(MAX_SIDE);
    decoder_limits.max_image_height = Some(MAX_SIDE);
    decoder_limits.max_alloc = Some(max_pixels * 4);
    reader.limits(decoder_limits);
    let image = reader.decode().map_err(|e| match e {
        ImageError::Limits(_) => too_large(width, height),
        e => undecodable(e),
    })?;
    let mut thumbnail = Vec::new();
    image
        .thumbnail(THUMBNAIL_SIDE, THUMBNAIL_SIDE)
        .into_rgb8()
        .write_to(&mut Cursor::new(&mut thumbnail), ImageFormat::Jpeg)
        .map_err(|e| AppError::internal(format!("cannot encode a thumbnail: {}", e)))?;
    Ok(PreparedPhoto {
        content_type,
        sha256: hex(&Sha256::digest(&bytes)),
        width: image.width(),
        height: image.height(),
        bytes,
        thumbnail,
    })
}

/// Attaches a prepared photo to an inspection; the same picture twice is
/// stored once. Answers whether it was newly stored.
pub fn attach(
    conn: &mut DbConnection,
    actor: &Actor,
    inspection: Uuid,
    photo: PreparedPhoto,
) -> AppResult<(bool, PhotoRef)> {
    let row = store::find_inspections_by_uuids(conn, &[inspection.to_string()])?
        .pop()
        .ok_or_else(|| {
            AppError::not_found(Message::new("err-not-found-inspection").arg("id", inspection))
        })?;
    if let Some(existing) = store::find_photo_by_hash(conn, row.id, &photo.sha256)? {
        return Ok((false, photo_ref(existing.id)));
    }
    let id = store::insert_photo(
        conn,
        &PhotoRow {
            id: 0,
            inspection_id: row.id,
            sha256: photo.sha256.clone(),
            content_type: photo.content_type.to_string(),
            bytes: photo.bytes,
            thumbnail: photo.thumbnail,
            width: photo.width as i32,
            height: photo.height as i32,
            uploaded_by: actor.user_id,
            uploaded_at: now(),
        },
    )?;
    audit::record(
        conn,
        actor,
        "photos.attach",
        format!("inspection/{inspection}"),
        serde_json::json!({"photo_id": id, "sha256": photo.sha256, "content_type": photo.content_type}),
    )?;
    Ok((true, photo_ref(id)))
}

/// A photo (or its thumbnail) with its content type, if the caller may see
/// the batch it belongs to.
pub fn fetch(
    conn: &mut DbConnection,
    id: i64,
    visibility: Visibility,
    thumbnail: bool,
) -> AppResult<(String, Vec<u8>)> {
    let missing = || AppError::not_found(Message::new("err-not-found-photo").arg("id", id));
    let (content_type, inspection_id, bytes) =
        store::photo_bytes(conn, id, thumbnail)?.ok_or_else(missing)?;
    let inspection = store::find_inspection(conn, inspection_id)?.ok_or_else(missing)?;
    super::batches::get_batch(conn, inspection.batch_id, visibility).not_found_as(missing)?;
    let content_type = if thumbnail {
        "image/jpeg".to_string()
    } else {
        content_type
    };
    Ok((content_type, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn decodes_take_turns() {
        let limits = PhotoLimits::new(50, 2);
        let first = limits.turn().await.unwrap();
        let _second = limits.clone().turn().await.unwrap();
        let third = tokio::time::timeout(Duration::from_millis(50), limits.turn()).await;
        assert!(third.is_err(), "a third decode waits");
        drop(first);
        let _third = limits.turn().await.unwrap();
        assert_eq!(limits.max_pixels(), 50_000_000);
    }
}
