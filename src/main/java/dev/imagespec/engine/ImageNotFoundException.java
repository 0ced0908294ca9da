package dev.imagespec.engine;

/** The engine has no image by that name or ID (HTTP 404). */
public class ImageNotFoundException extends ApiException {
  public ImageNotFoundException(String message) {
    super(404, message);
  }

  public ImageNotFoundException(int status, String message) {
    super(status, message);
  }
}
