import numpy as np
import pytest

from kiosk import models
from kiosk.vision.benchmark import test_frame as bench_frame
from kiosk.vision.cpu import cpu_summary, describe
from kiosk.vision.opencv_baseline import BaselineUnavailable, OpenCVBaseline

EPYC_ROME = """processor\t: 0
vendor_id\t: AuthenticAMD
model name\t: AMD EPYC 7B12
flags\t\t: fpu vme sse sse2 ssse3 fma sse4_1 sse4_2 avx f16c avx2 bmi2
"""
RASPBERRY_PI_5 = """processor\t: 0
BogoMIPS\t: 108.00
Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp
CPU implementer\t: 0x41
Model\t\t: Raspberry Pi 5 Model B Rev 1.0
"""


def test_cpu_summary_names_the_model_and_whether_int8_products_are_exact(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(EPYC_ROME)
    summary = cpu_summary(cpuinfo)
    assert {key: summary[key] for key in ("model", "avx2", "avx512_vnni", "avx_vnni")} == {
        "model": "AMD EPYC 7B12", "avx2": True, "avx512_vnni": False, "avx_vnni": False,
    }
    assert describe(summary).startswith("AMD EPYC 7B12 (") and describe(summary).endswith("; avx2)")


def test_cpu_summary_reads_an_arm_board_and_survives_a_missing_file(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(RASPBERRY_PI_5)
    assert cpu_summary(cpuinfo)["model"] == "Raspberry Pi 5 Model B Rev 1.0"
    assert cpu_summary(cpuinfo)["avx2"] is False
    assert cpu_summary(tmp_path / "absent")["avx2"] is False


@pytest.fixture(scope="module")
def model_paths(models_dir):
    specs = models.load_manifest()
    return {name: models.locate(specs[name], models_dir) for name in ("yunet", "sface")}


def test_plain_opencv_embeds_the_test_face_like_the_kiosk(model_paths, pipeline):
    frame = bench_frame()
    baseline = OpenCVBaseline(model_paths["yunet"], model_paths["sface"], (frame.shape[1], frame.shape[0]), 0.5)
    opencv = baseline.new_face(frame)
    kiosk = pipeline.analyse(frame).embedding
    assert opencv.shape == (128,) and np.linalg.norm(opencv) == pytest.approx(1.0)
    assert float(np.dot(opencv, kiosk)) > 0.95  # same files; the alignment and input scaling differ slightly


def test_a_model_file_opencv_cannot_read_makes_the_baseline_unavailable_by_name(tmp_path, model_paths):
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not an onnx model")
    with pytest.raises(BaselineUnavailable, match=r"^cv2.FaceDetectorYN cannot load broken.onnx: "):
        OpenCVBaseline(broken, model_paths["sface"], (640, 480), 0.5)
