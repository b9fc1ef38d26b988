-- policybook: write images as Typst `image(..., alt: ...)`, so the PDF carries each image's
-- alternative text (pandoc's Typst writer leaves it out). Paths were made safe before pandoc ran.
local function typst_string(text)
  return '"' .. text:gsub('\\', '\\\\'):gsub('"', '\\"') .. '"'
end

function Image(image)
  local alt = pandoc.utils.stringify(image.caption)
  return pandoc.RawInline('typst',
    '#box(image(' .. typst_string(image.src) .. ', alt: ' .. typst_string(alt) .. ', width: 80%))')
end

-- Admonitions (`!!! note "Title"` in the policy, a fenced div by now) become a framed Typst block
-- with the title in bold. The title is passed as a Typst string, never as markup.
function Div(div)
  if not div.classes:includes('admonition') then
    return nil
  end
  local title = div.attributes['title'] or 'Note'
  local blocks = {pandoc.RawBlock('typst',
    '#block(width: 100%, stroke: 1pt + black, inset: 8pt, breakable: true)[#strong(' ..
    typst_string(title) .. ')\n')}
  for _, block in ipairs(div.content) do
    table.insert(blocks, block)
  end
  table.insert(blocks, pandoc.RawBlock('typst', ']'))
  return blocks
end
