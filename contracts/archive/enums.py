"""The archive's vocabulary (档案), defined once."""

from __future__ import annotations

from enum import StrEnum


class ItemCategory(StrEnum):
    """The R4.2.4.2 kinds of results, plus the process documents of the service."""

    IMPLEMENTATION_SUMMARY = "implementation_summary"  # 实施总结报告
    RESULTS_REPORT = "results_report"  # 托管服务成果报告
    ENVIRONMENTAL_FILES = "environmental_files"  # 环境管理档案
    TRAINING_PUBLICITY = "training_publicity"  # 宣传培训材料
    PROCESS_FILE = "process_file"  # 其他过程文件
    SERVICE_AGREEMENT = "service_agreement"  # 托管服务协议
    SERVICE_PLAN = "service_plan"  # 托管服务方案
    STAGE_REPORT = "stage_report"  # 阶段性工作报告
    EVALUATION_RESULT = "evaluation_result"  # 绩效评价结果


class Retention(StrEnum):
    """保管期限 (企业档案管理规定): permanent, 30 years or 10 years."""

    PERMANENT = "permanent"
    YEARS_30 = "years_30"
    YEARS_10 = "years_10"


class ItemStatus(StrEnum):
    PENDING = "pending"  # a URL to upload to was issued; not visible to anyone else
    FILED = "filed"  # bytes verified; in the catalogue
    EXPIRED = "expired"  # never completed; cleaned up
    DESTROYED = "destroyed"  # tombstone: the object is gone, the record stays


class BorrowStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"


class ArchiveAction(StrEnum):
    """What was done to archive items, as the ledger records it (`archive.action.v1`)."""

    FILED = "filed"  # 归档
    LEVEL_CHANGED = "level_changed"  # 密级变更
    HANDED_OVER = "handed_over"  # 移交
    HANDOVER_ACKNOWLEDGED = "handover_acknowledged"  # 移交签收
    BORROW_APPROVED = "borrow_approved"  # 借阅
    BORROW_REJECTED = "borrow_rejected"
    DOWNLOAD_URL_ISSUED = "download_url_issued"  # 利用
    DESTRUCTION_APPRAISED = "destruction_appraised"  # 销毁鉴定
    DESTROYED = "destroyed"  # 销毁
