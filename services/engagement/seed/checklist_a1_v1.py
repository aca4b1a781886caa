"""表 A.1 托管服务资料收集清单 (Appendix A), version 1: what a site survey collects.

Each row: (code, section, Chinese title, English title).
"""

from __future__ import annotations

VERSION = 1

ITEMS: tuple[tuple[str, str, str, str], ...] = (
    (
        "A.1.01",
        "基本信息",
        "排污单位名称、法定代表人、地址、地理位置",
        "Name, legal representative, address, location",
    ),
    (
        "A.1.02",
        "基本信息",
        "行业类型、规模、营业期限、行业类别及代码",
        "Industry type, scale, business term, category and code",
    ),
    ("A.1.03", "基本信息", "总平面布置图", "Site plan"),
    ("A.1.04", "基本信息", "重点设施设备分布图", "Key equipment layout"),
    ("A.1.05", "基本信息", "雨污管线分布图", "Rain and sewage pipe map"),
    (
        "A.2.01",
        "生产信息",
        "主要生产设备设施及主体工艺、生产工艺流程图",
        "Main equipment, process and flow chart",
    ),
    (
        "A.2.02",
        "生产信息",
        "主要产品、原辅材料及中间体清单",
        "Products, raw/auxiliary materials, intermediates",
    ),
    ("A.2.03", "生产信息", "供水供气供热等基础设施情况", "Water, gas and heat supply"),
    ("A.2.04", "生产信息", "化学品信息及管理制度和台账", "Chemicals with their rules and ledgers"),
    ("A.3.01", "环境管理信息", "环境影响评价有关文件", "EIA documents"),
    ("A.3.02", "环境管理信息", "竣工环境保护验收相关文件", "Completion acceptance documents"),
    ("A.3.03", "环境管理信息", "排污许可有关文件", "Discharge permit documents"),
    (
        "A.3.04",
        "环境管理信息",
        "环境管理机构、人员与职责",
        "Environmental organisation, staff and duties",
    ),
    (
        "A.3.05",
        "环境管理信息",
        "自行监测、环境应急等管理制度及落实情况",
        "Self-monitoring and emergency rules and their execution",
    ),
    (
        "A.3.06",
        "环境管理信息",
        "环境保护认证管理、环境保护税缴纳情况",
        "Certifications and environmental tax",
    ),
    (
        "A.3.07",
        "环境管理信息",
        "废气、废水收集处理及排放情况",
        "Waste gas and water collection, treatment, discharge",
    ),
    (
        "A.3.08",
        "环境管理信息",
        "固体废物产生、贮存、利用和处置情况",
        "Solid waste generation, storage, use and disposal",
    ),
    ("A.3.09", "环境管理信息", "危险废物管理情况", "Hazardous waste management"),
    ("A.3.10", "环境管理信息", "节能与减碳管理情况", "Energy saving and carbon management"),
    (
        "A.3.11",
        "环境管理信息",
        "岗位操作规程或作业指导书",
        "Operating procedures and work instructions",
    ),
    ("A.3.12", "环境管理信息", "清洁生产情况", "Cleaner production"),
    ("A.3.13", "环境管理信息", "突发环境事件应急预案", "Environmental emergency plan"),
    ("A.3.14", "环境管理信息", "环境教育培训情况", "Environmental training"),
    (
        "A.3.15",
        "环境管理信息",
        "环境信息披露、环境保护标志标注情况",
        "Information disclosure and signage",
    ),
    (
        "A.3.16",
        "环境管理信息",
        "环保设备设施及在线监测设备运行维护情况",
        "Facilities and online monitoring O&M",
    ),
)
