import pytest

from kiosk import models
from kiosk.vision import VisionUnavailable
from kiosk.vision.baseline import MaskDetectorAlone, OpenCVFaces
from kiosk.vision.eval_masks import on_canvas


def _paths(models_dir, names=("yunet", "sface")):
    manifest = models.load_manifest()
    return {name: models.locate(manifest[name], models_dir) for name in names}


def test_opencv_embeds_the_same_person_closer_than_a_stranger(models_dir, lfw):
    paths = _paths(models_dir)
    faces = OpenCVFaces(paths["yunet"], paths["sface"], 0.35)
    first, second, other = (faces.embed(lfw(n, i)) for n, i in (("Abdullah_Gul", 13), ("Abdullah_Gul", 14), ("Aaron_Tippin", 1)))
    assert faces.match(first, second) > 0.373 > faces.match(first, other)


def test_opencv_that_cannot_read_a_model_file_says_which_and_why(tmp_path, models_dir):
    broken = tmp_path / "yunet.onnx"
    broken.write_bytes(b"not an onnx file")
    with pytest.raises(VisionUnavailable, match=rf"OpenCV \S+ cannot load yunet file {broken}: ") as caught:
        OpenCVFaces(broken, _paths(models_dir)["sface"], 0.35)
    assert caught.value.model == "yunet"


def test_the_mask_detector_alone_judges_real_photos(mask_model, mask_photos):
    import cv2

    alone = MaskDetectorAlone(_paths(mask_model, ("mask",))["mask"])
    masked = alone.classify(on_canvas(cv2.imread(str(mask_photos / "with_mask" / "with_mask_019.jpg"))))
    bare = alone.classify(on_canvas(cv2.imread(str(sorted((mask_photos / "without_mask").iterdir())[0]))))
    assert masked is not None and masked[0] and masked[1] >= 0.5
    assert bare is not None and not bare[0] and bare[1] < 0.5
