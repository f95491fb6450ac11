//! The report as an HTML page (built in `web::reports`, which shares the
//! report's content and verdict).
