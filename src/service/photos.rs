//! Photos of defects, from a tablet camera: JPEG or PNG (iPhones' HEIC is
//! sent as JPEG by the browser), checked by their magic bytes and by
//! decoding them, stored with their SHA-256 and a small JPEG thumbnail, and
//! served only as images.

use super::audit::{self, Actor};
use crate::domain::access::Visibility;
use crate::domain::digest::hex;
use crate::error::{AppError, AppResult};
use crate::store::visual::{self as store, PhotoRow};
use crate::store::{now, DbConnection};
use image::{ImageFormat, ImageReader, Limits};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::Cursor;
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
const MAX_SIDE: u32 = 12_000;

/// A checked photo, ready to store.
pub struct PreparedPhoto {
    content_type: &'static str,
    sha256: String,
    bytes: Vec<u8>,
    thumbnail: Vec<u8>,
    width: u32,
    height: u32,
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
/// the request thread and outside any transaction).
pub fn prepare(bytes: Vec<u8>) -> AppResult<PreparedPhoto> {
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(AppError::invalid(
            "photo",
            format!("photos up to {MAX_PHOTO_BYTES} bytes"),
        ));
    }
    let (format, content_type) = sniff(&bytes).ok_or_else(|| {
        AppError::invalid(
            "photo",
            "must be a JPEG or PNG image (HEIC: send it as JPEG)",
        )
    })?;
    let mut reader = ImageReader::with_format(Cursor::new(&bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    reader.limits(limits);
    let image = reader
        .decode()
        .map_err(|e| AppError::invalid("photo", format!("the image cannot be decoded: {e}")))?;
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
        .ok_or_else(|| AppError::not_found(format!("inspection {inspection}")))?;
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
    let missing = || AppError::not_found(format!("photo {id}"));
    let (content_type, inspection_id, bytes) =
        store::photo_bytes(conn, id, thumbnail)?.ok_or_else(missing)?;
    let inspection = store::find_inspection(conn, inspection_id)?.ok_or_else(missing)?;
    super::batches::get_batch(conn, inspection.batch_id, visibility).map_err(|_| missing())?;
    let content_type = if thumbnail {
        "image/jpeg".to_string()
    } else {
        content_type
    };
    Ok((content_type, bytes))
}
