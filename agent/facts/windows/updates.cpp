// The `updates` family on Windows: the Windows Update Agent API for pending
// software updates (IUpdateSearcher::Search "IsInstalled=0 and Type='Software'
// and IsHidden=0"), classified security when MsrcSeverity is set or a
// category is "Security Updates"/"Critical Updates"; the Automatic Updates
// policy and WSUS server from the registry; reboot pending from the
// Component Based Servicing / WindowsUpdate RebootRequired keys; installed
// updates from the WUA history (not Win32_QuickFixEngineering, whose
// InstalledOn is a localised date string). A failed
// search is the family's status (Wine: E_NOTIMPL), never "no updates".
#include "agent/facts/updates.h"

// Windows headers: <windows.h> first, then the rest in dependency order.
// clang-format off
#include <windows.h>
#include <initguid.h>
#include <wuapi.h>
// clang-format on

#include "agent/facts/decode/windows_update.h"
#include "agent/facts/windows/registry_key.h"
#include "agent/facts/windows/win_error.h"
#include "agent/facts/windows/win_text.h"
#include "agent/facts/windows/wmi.h"

// mingw's <wuapi.h> lacks IAutomaticUpdates2 and IAutomaticUpdatesResults
// (Windows SDK, wuapi.idl; ids from [MS-UAMG]). Declared here with the
// vtable order of the SDK: the results object's two date getters after
// IDispatch, get_Results after IAutomaticUpdates' methods.
MIDL_INTERFACE("E7A4D634-7942-4DD9-A111-82228BA33901")
MamoriAutomaticUpdatesResults : public IDispatch {
 public:
  virtual HRESULT STDMETHODCALLTYPE get_LastSearchSuccessDate(VARIANT *
                                                              retval) = 0;
  virtual HRESULT STDMETHODCALLTYPE get_LastInstallationSuccessDate(VARIANT *
                                                                    retval) = 0;
};
MIDL_INTERFACE("4A2F5C31-CFD9-410E-B7FB-29A653973A0F")
MamoriAutomaticUpdates2 : public IAutomaticUpdates {
 public:
  virtual HRESULT STDMETHODCALLTYPE get_Results(MamoriAutomaticUpdatesResults *
                                                *retval) = 0;
};

namespace mamori::facts {

namespace {

// {4A2F5C31-CFD9-410E-B7FB-29A653973A0F}
constexpr IID kIidAutomaticUpdates2 = {
    0x4a2f5c31,
    0xcfd9,
    0x410e,
    {0xb7, 0xfb, 0x29, 0xa6, 0x53, 0x97, 0x3a, 0x0f}};

// A VT_DATE value, nullopt for VT_EMPTY or anything else.
std::optional<double> DateOf(VARIANT* value) {
  std::optional<double> out;
  if (value->vt == VT_DATE) out = value->date;
  VariantClear(value);
  return out;
}

// The last complete run from the WUA's Automatic Updates results, or from
// the pre-Windows 10 registry values when the interface is missing.
void ReadLastCompleteRun(const GatherContext& ctx, UpdateFacts* facts) {
  win::ComPtr<IAutomaticUpdates> au;
  HRESULT hr =
      CoCreateInstance(CLSID_AutomaticUpdates, nullptr, CLSCTX_INPROC_SERVER,
                       IID_IAutomaticUpdates, au.ReceiveVoid());
  win::ComPtr<MamoriAutomaticUpdates2> au2;
  if (SUCCEEDED(hr)) {
    hr = au->QueryInterface(kIidAutomaticUpdates2, au2.ReceiveVoid());
  }
  win::ComPtr<MamoriAutomaticUpdatesResults> results;
  if (SUCCEEDED(hr)) hr = au2->get_Results(results.Receive());
  if (SUCCEEDED(hr)) {
    VARIANT search;
    VARIANT install;
    VariantInit(&search);
    VariantInit(&install);
    const bool read =
        SUCCEEDED(results->get_LastSearchSuccessDate(&search)) &&
        SUCCEEDED(results->get_LastInstallationSuccessDate(&install));
    const std::optional<double> search_date = DateOf(&search);
    const std::optional<double> install_date = DateOf(&install);
    if (read) {
      win::WindowsUpdateRun run = win::DecideWindowsUpdateRun(
          search_date, install_date, ctx.clock->Now());
      facts->last_complete_update_at = run.completed_at;
      facts->last_complete_update_evidence = std::move(run.evidence);
      return;
    }
  }
  // Windows 7/8.1 kept the same two dates in the registry (UTC strings).
  const std::string results_key =
      "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto "
      "Update\\Results\\";
  std::optional<std::string> detect;
  std::optional<std::string> installed;
  win::RegKey key;
  if (win::RegKey::Open(HKEY_LOCAL_MACHINE, results_key + "Detect",
                        win::RegView::k64, &key)
          .ok() &&
      key.valid()) {
    (void)key.GetString("LastSuccessTime", &detect);
  }
  win::RegKey install_key;
  if (win::RegKey::Open(HKEY_LOCAL_MACHINE, results_key + "Install",
                        win::RegView::k64, &install_key)
          .ok() &&
      install_key.valid()) {
    (void)install_key.GetString("LastSuccessTime", &installed);
  }
  if (detect || installed) {
    win::WindowsUpdateRun run = win::DecideWindowsUpdateRunFromRegistry(
        detect.value_or(""), installed.value_or(""), ctx.clock->Now());
    facts->last_complete_update_at = run.completed_at;
    facts->last_complete_update_evidence = std::move(run.evidence);
    return;
  }
  facts->last_complete_update_evidence =
      win::HresultStatus("IAutomaticUpdates2::get_Results", hr).message;
}

std::string TakeBstr(BSTR b) {
  std::string out =
      b == nullptr ? ""
                   : win::WideToUtf8(std::wstring_view(b, SysStringLen(b)));
  SysFreeString(b);
  return out;
}

void ReadPolicy(UpdateFacts* facts) {
  win::RegKey au;
  std::optional<uint32_t> no_auto;
  std::optional<uint32_t> options;
  if (win::RegKey::Open(
          HKEY_LOCAL_MACHINE,
          "SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate\\AU",
          win::RegView::k64, &au)
          .ok() &&
      au.valid()) {
    (void)au.GetDword("NoAutoUpdate", &no_auto);
    (void)au.GetDword("AUOptions", &options);
  }
  if (no_auto == 1u) {
    facts->automatic_updates = false;
    facts->automatic_updates_evidence = "policy NoAutoUpdate=1";
  } else if (options) {
    // 2 = notify only; 3 = download + notify; 4 = auto install; 5 = local
    // admin.
    facts->automatic_updates = *options == 4u;
    facts->automatic_updates_evidence =
        "policy AUOptions=" + std::to_string(*options);
  } else {
    // No policy: Windows 10/11 install updates automatically by default.
    facts->automatic_updates_evidence =
        "no Automatic Updates policy (Windows default)";
  }
  win::RegKey wu;
  std::optional<std::string> server;
  if (win::RegKey::Open(HKEY_LOCAL_MACHINE,
                        "SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate",
                        win::RegView::k64, &wu)
          .ok() &&
      wu.GetString("WUServer", &server).ok() && server) {
    facts->wsus_server = *server;
  }
}

void ReadRebootPending(UpdateFacts* facts) {
  const std::pair<const char*, const char*> keys[] = {
      {"SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto "
       "Update\\RebootRequired",
       "WindowsUpdate RebootRequired"},
      {"SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based "
       "Servicing\\RebootPending",
       "Component Based Servicing RebootPending"}};
  bool all_read = true;
  for (const auto& [path, reason] : keys) {
    win::RegKey key;
    if (!win::RegKey::Open(HKEY_LOCAL_MACHINE, path, win::RegView::k64, &key)
             .ok()) {
      all_read = false;
      continue;
    }
    if (key.valid()) facts->reboot_required_by.push_back(reason);
  }
  if (!facts->reboot_required_by.empty()) {
    facts->reboot_required = true;
  } else if (all_read) {
    facts->reboot_required = false;
  }
}

bool IsSecurity(IUpdate* update, std::string* severity) {
  BSTR msrc = nullptr;
  if (SUCCEEDED(update->get_MsrcSeverity(&msrc))) *severity = TakeBstr(msrc);
  if (!severity->empty()) return true;
  win::ComPtr<ICategoryCollection> categories;
  if (FAILED(update->get_Categories(categories.Receive()))) return false;
  LONG count = 0;
  categories->get_Count(&count);
  for (LONG i = 0; i < count; ++i) {
    win::ComPtr<ICategory> category;
    if (FAILED(categories->get_Item(i, category.Receive()))) continue;
    BSTR name = nullptr;
    if (SUCCEEDED(category->get_Name(&name))) {
      const std::string text = TakeBstr(name);
      if (text == "Security Updates" || text == "Critical Updates") return true;
    }
  }
  return false;
}

// Fills recent_installed (newest first, at most 20) and last_install_at from
// the update history. History is optional: a failure leaves both empty.
void ReadHistory(IUpdateSearcher* searcher, UpdateFacts* facts) {
  LONG total = 0;
  if (FAILED(searcher->GetTotalHistoryCount(&total)) || total <= 0) return;
  win::ComPtr<IUpdateHistoryEntryCollection> history;
  if (FAILED(searcher->QueryHistory(0, total < 20 ? total : 20,
                                    history.Receive()))) {
    return;
  }
  LONG count = 0;
  history->get_Count(&count);
  for (LONG i = 0; i < count; ++i) {
    win::ComPtr<IUpdateHistoryEntry> entry;
    if (FAILED(history->get_Item(i, entry.Receive()))) continue;
    UpdateOperation operation = uoInstallation;
    OperationResultCode result = orcNotStarted;
    entry->get_Operation(&operation);
    entry->get_ResultCode(&result);
    if (operation != uoInstallation ||
        (result != orcSucceeded && result != orcSucceededWithErrors)) {
      continue;
    }
    InstalledUpdate u;
    BSTR title = nullptr;
    if (SUCCEEDED(entry->get_Title(&title))) u.title = TakeBstr(title);
    // The KB id is only in the title ("... (KB5031354)").
    const size_t kb = u.title.rfind("(KB");
    const size_t close = u.title.find(')', kb == std::string::npos ? 0 : kb);
    if (kb != std::string::npos && close != std::string::npos) {
      u.id = u.title.substr(kb + 1, close - kb - 1);
    }
    DATE date = 0;
    if (SUCCEEDED(entry->get_Date(&date))) {
      u.installed_at = win::FromOleDate(date);
    }
    if (u.installed_at && (!facts->last_install_at ||
                           *u.installed_at > *facts->last_install_at)) {
      facts->last_install_at = u.installed_at;
    }
    facts->recent_installed.push_back(std::move(u));
  }
}

CollectionStatus SearchPending(UpdateFacts* facts) {
  win::ComPtr<IUpdateSession> session;
  HRESULT hr =
      CoCreateInstance(CLSID_UpdateSession, nullptr, CLSCTX_INPROC_SERVER,
                       IID_IUpdateSession, session.ReceiveVoid());
  if (FAILED(hr))
    return win::HresultStatus("CoCreateInstance(UpdateSession)", hr);
  win::ComPtr<IUpdateSearcher> searcher;
  hr = session->CreateUpdateSearcher(searcher.Receive());
  if (FAILED(hr)) return win::HresultStatus("CreateUpdateSearcher", hr);
  BSTR criteria =
      SysAllocString(L"IsInstalled=0 and Type='Software' and IsHidden=0");
  win::ComPtr<ISearchResult> result;
  hr = searcher->Search(criteria, result.Receive());
  SysFreeString(criteria);
  if (FAILED(hr)) return win::HresultStatus("IUpdateSearcher::Search", hr);
  ReadHistory(searcher.get(), facts);
  win::ComPtr<IUpdateCollection> updates;
  hr = result->get_Updates(updates.Receive());
  if (FAILED(hr)) return win::HresultStatus("ISearchResult::get_Updates", hr);
  LONG count = 0;
  updates->get_Count(&count);
  for (LONG i = 0; i < count; ++i) {
    win::ComPtr<IUpdate> update;
    if (FAILED(updates->get_Item(i, update.Receive()))) continue;
    PendingUpdate p;
    BSTR title = nullptr;
    if (SUCCEEDED(update->get_Title(&title))) p.name = TakeBstr(title);
    p.security = IsSecurity(update.get(), &p.severity);
    win::ComPtr<IStringCollection> kbs;
    if (SUCCEEDED(update->get_KBArticleIDs(kbs.Receive()))) {
      LONG n = 0;
      kbs->get_Count(&n);
      for (LONG k = 0; k < n; ++k) {
        BSTR kb = nullptr;
        if (SUCCEEDED(kbs->get_Item(k, &kb)))
          p.kb_ids.push_back("KB" + TakeBstr(kb));
      }
    }
    p.origin = "Windows Update";
    if (p.security) ++facts->security_pending_count;
    facts->pending.push_back(std::move(p));
  }
  facts->pending_count = static_cast<uint32_t>(facts->pending.size());
  return OkStatus();
}

}  // namespace

UpdateFacts GatherUpdates(const GatherContext& ctx) {
  UpdateFacts facts;
  facts.method = UpdateMethod::kWindowsUpdateAgent;
  win::ComScope com;
  if (!com.status().ok()) {
    facts.status = com.status();
    return facts;
  }
  ReadPolicy(&facts);
  ReadRebootPending(&facts);
  ReadLastCompleteRun(ctx, &facts);
  const CollectionStatus s = SearchPending(&facts);
  if (!s.ok()) {
    facts.status = s;
    return facts;
  }
  // The search just made went to Windows Update (or WSUS) online, so the
  // pending list is current as of now.
  facts.lists_refreshed_at = ctx.clock->Now();
  facts.status = OkStatus();
  return facts;
}

}  // namespace mamori::facts
