# lotcheck 的简体中文页面。此处每个键都须在其他语言的目录中存在
# （由 i18n::tests 检查）。以 `app-` 开头的键供检验员应用的脚本使用，
# 其中的 `{ $name }` 参数由脚本填入。

## 页面框架
skip-to-content = 跳到正文
nav-site = 网站
nav-orders = 订单
nav-record = 录入
sign-out = 退出登录
language-switch = 语言
role-admin = 管理员
role-lead = 组长
role-inspector = 检验员
role-customer = 客户

## 登录
sign-in-title = 登录
sign-in-subtitle = 质量控制：抽样方案、检测数据与报告。
username = 用户名
password = 密码
sign-in-button = 登录
verify-prompt = 收到了质检报告？
verify-link = 核验其真伪
form-expired = 此表单已过期。请刷新页面后重试。
sign-in-form-expired = 此登录表单已过期。请刷新页面后重试。

## 订单
orders-none = 暂无订单。
orders-po = 订单号
orders-customer = 客户
orders-product = 产品
orders-quantity = 数量
orders-entered = 录入日期
orders-showing = 显示最新的 { $shown } 个订单，共 { $total } 个。

## 订单详情
order-po = 订单 { $po }
order-summary = 订购 { $quantity } 件 · 录入于 { $date }
qc-report = 质检报告
batch = 批次
batch-number = 第 { $number } 批
lot-size = 批量
line = 产线

## 错误
error-title = 出错了
back-to-start = 返回首页

## 检验员的待办列表
record-title = 录入
work-list-title = 待录入的批次
work-list-empty = 没有待录入的内容：所有已抽样的批次都已完成检测数据和外观检验。
work-batch = 订单 { $po } · 第 { $number } 批
work-lot = 批量 { $lot }
work-line = 产线 { $line }
work-readings = 检测数据 <strong>{ $done }</strong> / { $total } 个样品
work-visual = 外观检验 <strong>{ $done }</strong> / { $total }

## 批次录入页
back-to-work-list = ← 待录入的批次
entry-title = 第 { $number } 批 · 订单 { $po }
entry-units-drawn = 已抽取 { $count } 个样品
scan-label = 扫码或输入样品编号
scan-placeholder = 样品编号
tab-unit = 逐个录入
tab-grid = 表格
tab-visual = 外观检验
tab-import = 导入 CSV
units-heading = 样品
unit-order = 样品顺序
order-draw = 抽样顺序
order-ascending = 升序
no-plan-yet = 此批次尚未制定抽样方案；请组长先抽样。
template-summary = 检验项目与限值
template-characteristic = 检验项目
template-unit = 单位
template-kind = 类型
template-limits = 限值
kind-derived = 由 x、y 计算
kind-attribute = 合格 / 不合格
kind-variable = 计量值
no-limits = 无限值
batch-statistics-link = 本批次的统计
status-send-now = 立即发送
attention-title = 服务器拒收的记录
attention-help = 以下内容均未丢失：请逐条决定如何处理。

## 检验员应用的脚本
app-online = 在线
app-offline = 离线：记录暂存在本平板上
app-pending = 待发送 { $count } 条
app-pending-other-user = 其他用户的 { $count } 条，待其登录后发送
app-waiting-on-tablet = 本平板上待发送的记录：{ $count }
app-sign-in-to-send = 请重新登录，以发送本平板上暂存的记录。
app-refused = 已拒收
app-pending-tag = 待发送
app-nothing = 无
app-correction-reason = 更正原因
app-unit = 样品 { $unit }
app-unit-heading = 样品
app-yours = 您录入的
app-on-the-server = 服务器上的
app-reason-required = 必须填写原因
app-record-mine-as-correction = 以我的数值作更正
app-send-again = 重新发送
app-discard-mine = 放弃我的数值
app-discard-confirm = 放弃这条记录吗？服务器保留其原有数值。
app-correction-label = 更正样品 { $unit } · { $characteristic }：{ $value }
app-pass-fail = 合格 / 不合格
app-no-limits = 无限值
app-colour-of-unit = 本样品的颜色
app-cct = 色温 (K)
app-macadam-steps = 麦克亚当椭圆阶数
app-ansi-bin = ANSI C78.377 色区
app-outside-bins = 不在任何色区内
app-loading = 加载中…
app-history-offline = 查看历史需要网络连接。
app-corrected = 更正后的{ $name }
app-reason = 原因
app-reason-placeholder = 原因（必填）
app-type-corrected-value = 请输入更正后的数值。
app-say-why-value = 请说明更正数值的原因。
app-save-correction = 保存更正
app-pass = 合格
app-fail = 不合格
app-correct = 更正
app-history = 历史
app-not-a-number = 不是数字
app-outside-limits = 超出限值
app-within-limits = 在限值内
app-value-not-number = 有数值不是数字，请先改正。
app-pick-unit = 请在上方选择或扫描一个样品。
app-no-units = 尚未抽取样品。
app-all-recorded = 所有项目均已录入
app-n-of-m-recorded = 已录入 { $n } / { $m } 项
app-next-unit = 下一个样品
app-save-next-unit = 保存并转到下一个样品
app-grid-pass-fail = 0 = 合格，1 = 不合格
app-previous = ← 上一页
app-next = 下一页 →
app-units-range = 第 { $first }–{ $last } 个样品，共 { $total } 个
app-grid-help = 回车或 ↓ 向下，Tab 或 → 向右；已录入的数值请在逐个录入页中更正。
app-tray-passed = 整盘合格
app-tray-every-unit = 从第一个到最后一个样品全部合格。
app-tray-drawn-units = 从第一个到最后一个已抽取的样品全部合格。
app-first-unit = 起始样品
app-last-unit = 结束样品
app-range-invalid = 请输入 1 至 { $lot } 之间的两个样品编号，起始编号不得大于结束编号。
app-range-label = 样品 { $first }–{ $last } 合格
app-mark-passed = 标记这些样品合格
app-found = 发现 { $count } 处
app-reason-for-correction = 原因（更正时必填）
app-correct-unit = 更正样品 { $unit }
app-unit-with-defects = 有缺陷的样品
app-tap-defects = 每发现一处缺陷，点一下对应的缺陷类型。
app-add-photo = 添加照片
app-add-another-photo = 再添加一张照片
app-photo-alt = 照片 { $name }
app-photo-of-unit = 样品 { $unit } 的照片
app-photos = 照片：{ $count } 张
app-save-unit = 保存样品
app-clear = 清除
app-visual-summary = 已检验 { $done } / { $total } 个样品 · { $failed } 个有缺陷
app-pending-on-tablet = 本平板上待发送 { $count } 条
app-units-with-defects = 有缺陷的样品
app-give-unit = 请输入样品编号（1 至 { $lot }）。
app-not-drawn = 样品 { $unit } 不在本批次的抽样中。
app-say-why-inspection = 请说明更正检验结果的原因。
app-inspection-correction-label = 更正样品 { $unit } 的检验结果
app-tap-defects-first = 请点选发现的缺陷（合格样品请用整盘合格标记）。
app-no-saved-instrument = 没有已保存的仪器
app-new-instrument-placeholder = 仪器名称，保存此映射以便下次使用
app-column = 列 { $header }
app-not-read = 不读取
app-choose-file = 请先选择 CSV 文件。
app-import-needs-connection = 导入文件需要网络连接和已登录的会话；未发送任何内容。
app-import-dropped = 连接中断，未保存任何内容。请在联网后重试。
app-import-duplicate = 此文件之前已导入（{ $file }），未保存新内容。
app-import-stored = 已从 { $file } 保存 { $rows } 个样品的 { $readings } 个数据。
app-import-refused-rows = 文件被拒收：共 { $count } 处问题，见下表。未保存任何内容。
app-import-refused = { $detail } 未保存任何内容。
app-line = 行
app-column-heading = 列
app-problem = 问题
app-import = 导入
app-import-title = 导入仪器导出的 CSV
app-import-help = 每行一个样品：一列样品编号，每个检验项目一列。要么全部保存，要么全部不保存；有问题的行会注明行号和列名。
app-file = 文件
app-instrument = 仪器（优先使用其已保存的列映射）
app-new-instrument = 或新仪器
app-unit-column = 样品编号列
app-cancel = 取消
app-mark-n-passed = 标记样品 { $first }–{ $last } 合格（{ $count } 个）
